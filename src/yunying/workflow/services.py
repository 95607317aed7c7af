"""Writes of the workflow. Each action is its own function (``actions.py``); this module is the
entry point the rest of the project (views, API, designer, seed, bench) calls."""

from __future__ import annotations

from yunying.workflow.actions import (
    task_add_signer,
    task_approve,
    task_claim,
    task_complete,
    task_reject,
    task_resubmit,
    task_return,
    task_throw,
    task_transfer,
    tasks_bulk_approve,
)
from yunying.workflow.actions_admin import (
    delegation_create,
    delegation_end,
    instance_cancel,
    instance_message,
    instance_reassign,
    instance_retry,
)
from yunying.workflow.actions_instance import (
    instance_attach,
    instance_comment,
    instance_remind,
    instance_withdraw,
)
from yunying.workflow.deploy import definition_deploy
from yunying.workflow.errors import DeployRefused, ProcessError
from yunying.workflow.start import instance_start

__all__ = [
    "DeployRefused",
    "ProcessError",
    "definition_deploy",
    "delegation_create",
    "delegation_end",
    "instance_attach",
    "instance_cancel",
    "instance_comment",
    "instance_message",
    "instance_reassign",
    "instance_remind",
    "instance_retry",
    "instance_start",
    "instance_withdraw",
    "task_add_signer",
    "task_approve",
    "task_claim",
    "task_complete",
    "task_reject",
    "task_resubmit",
    "task_return",
    "task_throw",
    "task_transfer",
    "tasks_bulk_approve",
]
