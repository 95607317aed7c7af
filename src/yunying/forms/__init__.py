"""Forms (表单): definitions as data, versioned; rendering; server-side validation of submissions.

Public API for other apps (workflow, approvals, inspections):

- selectors: `form_version_current(key=)`, `form_definition_get(user=, key=)`, `form_version_get(definition=,
  number=, user=)`, `form_definition_list(user=)`, `can_design(user)`
- validation: `form_submission_validate(version=, data=, files=, user=) -> CleanedSubmission` (`.values`
  typed, `.data` JSON, `.totals`, `.uploads`), raising ValidationFailed(errors=[{"field", "message"}]);
  `form_data_values(version=, data=)` (stored JSON → typed values for conditions)
- services: `form_submission_files_store(cleaned=)` (write uploads, return `.data` with paths),
  `form_definition_create`, `form_draft_save`, `form_version_publish`
- posted: `form_post_parse(version, request.POST, request.FILES, prefix=) -> (data, files)`
- rendering: `render_form(version, data, errors, prefix, user=)`, `render_readonly(version, data)`;
  templates: `{% load yyforms %}{% render_form version data=… errors=… prefix=… %}`,
  `{% render_readonly version data %}`
"""
