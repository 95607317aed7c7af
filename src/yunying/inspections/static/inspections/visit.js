// The visit form on a phone: answers kept on the device (localStorage) at every touch, synced to the server
// when the network is there (PUT …/answers returns the running score), submitted once with an idempotency key.
// Closing the browser or losing the network loses nothing; a submission made offline is sent when the
// connection returns.
(function () {
  "use strict";
  const root = document.getElementById("visit-form");
  const config = JSON.parse(document.getElementById("visit-config").textContent);
  const t = config.messages;
  const storageKey = "yunying.visit." + config.visit;
  const csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  const sections = Array.from(root.querySelectorAll(".visit-section"));
  const statusLine = document.getElementById("sync-status");

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  function load() {
    try {
      const kept = JSON.parse(localStorage.getItem(storageKey) || "null");
      if (kept && kept.answers) return kept;
    } catch (e) { /* a damaged copy: start from the server's */ }
    const answers = {};
    Object.entries(config.serverDraft || {}).forEach(([key, entry]) => {
      answers[key] = {
        value: entry.value || "",
        note: entry.note || "",
        photos: (entry.photos || []).map((token) => ({ token: token })),
      };
    });
    return { answers: answers, summary: "", signature: "", signedBy: "", inspectorSignature: "", section: 0, key: newKey(), dirty: false, submitPending: false };
  }

  let state = load();
  let timer = null;
  let submitting = false;
  let finished = false; // submitted: nothing is kept on the device any more

  function persist() {
    if (!finished) localStorage.setItem(storageKey, JSON.stringify(state));
  }

  function payload() {
    const answers = {};
    Object.entries(state.answers).forEach(([key, entry]) => {
      answers[key] = { value: entry.value || "", note: entry.note || "", photos: (entry.photos || []).map((p) => p.token) };
    });
    return answers;
  }

  function entry(key) {
    if (!state.answers[key]) state.answers[key] = { value: "", note: "", photos: [] };
    return state.answers[key];
  }

  function setStatus(text, tone) {
    statusLine.textContent = text;
    statusLine.className = "px-3 pb-2 small " + (tone || "text-secondary");
  }

  function fileUrl(token) {
    return config.fileUrl.replace("TOKEN", encodeURIComponent(token));
  }

  function render() {
    root.querySelectorAll(".visit-item").forEach((card) => {
      const e = state.answers[card.dataset.item] || { value: "", note: "", photos: [] };
      card.querySelectorAll("[data-value]").forEach((button) => {
        const chosen = button.dataset.value === e.value;
        button.classList.toggle("is-chosen", chosen);
        button.setAttribute("aria-pressed", chosen ? "true" : "false");
      });
      const note = card.querySelector("[data-note]");
      if (document.activeElement !== note) note.value = e.note || "";
      const photos = card.querySelector("[data-photos]");
      photos.replaceChildren(
        ...(e.photos || []).map((photo, index) => {
          const figure = document.createElement("figure");
          const img = document.createElement("img");
          img.src = photo.preview || fileUrl(photo.token);
          img.alt = photo.name || "";
          const remove = document.createElement("button");
          remove.type = "button";
          remove.textContent = "×";
          remove.setAttribute("aria-label", t.removePhoto);
          remove.addEventListener("click", () => { e.photos.splice(index, 1); changed(); });
          figure.append(img, remove);
          return figure;
        })
      );
    });
    let answered = 0, total = 0;
    sections.forEach((section, index) => {
      const items = Array.from(section.querySelectorAll(".visit-item"));
      const done = items.filter((card) => (state.answers[card.dataset.item] || {}).value).length;
      answered += done;
      total += items.length;
      const badge = root.querySelector('[data-section-count="' + index + '"]');
      if (badge) {
        badge.textContent = done + "/" + items.length;
        badge.className = "badge ms-1 " + (done === items.length ? "bg-green text-green-fg" : "bg-secondary-lt");
      }
    });
    root.querySelector('[data-testid="progress"]').textContent = answered + "/" + total;
    document.getElementById("visit-summary").value = state.summary || "";
    const signer = document.getElementById("signed-by");
    if (document.activeElement !== signer) signer.value = state.signedBy || "";
    showSection(state.section || 0);
  }

  function showSection(index) {
    const last = sections.length - 1;
    index = Math.max(0, Math.min(last, index));
    state.section = index;
    sections.forEach((section, i) => { section.hidden = i !== index; });
    root.querySelectorAll("[data-tab]").forEach((tab) => {
      const active = Number(tab.dataset.tab) === index;
      tab.classList.toggle("btn-primary", active);
      tab.classList.toggle("btn-outline-primary", !active);
    });
    document.getElementById("visit-prev").disabled = index === 0;
    document.getElementById("visit-next").hidden = index === last;
  }

  function changed() {
    state.dirty = true;
    persist();
    render();
    setStatus(t.local);
    clearTimeout(timer);
    timer = setTimeout(sync, 600);
  }

  function showScore(preview) {
    const score = root.querySelector('[data-testid="running-score"]');
    score.textContent = preview.score === null ? t.noScore : preview.score;
    score.classList.toggle("text-danger", preview.passed === false);
    score.classList.toggle("text-success", preview.passed === true);
  }

  async function api(url, options) {
    const headers = Object.assign({ "X-CSRFToken": csrf }, options.headers || {});
    return fetch(url, Object.assign({ credentials: "same-origin" }, options, { headers: headers }));
  }

  async function sync() {
    if (finished) return;
    if (state.submitPending) return submit();
    try {
      const response = await api(config.answersUrl, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ answers: payload() }),
      });
      if (!response.ok) throw new Error(String(response.status));
      showScore(await response.json());
      state.dirty = false;
      persist();
      setStatus(t.saved, "text-success");
    } catch (e) {
      setStatus(t.offline, "text-warning");
    }
  }

  function showProblems(errors) {
    const box = document.getElementById("visit-errors");
    root.querySelectorAll(".visit-item").forEach((card) => {
      card.classList.remove("has-problem");
      card.querySelector(".visit-item-problem").textContent = "";
    });
    if (!errors.length) { box.classList.add("d-none"); return; }
    const list = document.createElement("ul");
    list.className = "mb-0";
    errors.forEach((error) => {
      const li = document.createElement("li");
      li.textContent = error.message;
      list.append(li);
      const card = root.querySelector('.visit-item[data-item="' + error.field + '"]');
      if (card) {
        card.classList.add("has-problem");
        card.querySelector(".visit-item-problem").textContent = error.message;
      }
    });
    box.replaceChildren(document.createTextNode(t.problems), list);
    box.classList.remove("d-none");
    box.scrollIntoView({ block: "start" });
  }

  async function submit() {
    if (submitting || finished) return;
    submitting = true;
    clearTimeout(timer);
    state.submitPending = true;
    persist();
    setStatus(t.submitting);
    let response;
    try {
      response = await api(config.submitUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          answers: payload(), idempotency_key: state.key, summary: state.summary || "",
          signature: state.signature || "", signed_by: state.signedBy || "",
          inspector_signature: state.inspectorSignature || "",
        }),
      });
    } catch (e) {
      submitting = false;
      setStatus(t.queued, "text-warning");
      return;
    }
    const body = await response.json().catch(() => ({}));
    submitting = false;
    if (response.ok || response.status === 409) {
      finished = true;
      clearTimeout(timer);
      localStorage.removeItem(storageKey);
      window.location.assign(config.reportUrl);
      return;
    }
    state.submitPending = false;
    persist();
    showProblems(body.errors || [{ field: "", message: body.detail || String(response.status) }]);
    setStatus(body.detail || "", "text-danger");
  }

  function resized(file) {
    // Phones take 4000-pixel photos; send at most 1600 pixels on the long side as JPEG.
    return new Promise((resolve) => {
      if (!/^image\/(jpeg|png|webp)$/.test(file.type)) { resolve(file); return; }
      const img = new Image();
      img.onload = () => {
        const scale = Math.min(1, 1600 / Math.max(img.width, img.height));
        if (scale === 1 && file.size < 1500000) { resolve(file); return; }
        const canvas = document.createElement("canvas");
        canvas.width = Math.round(img.width * scale);
        canvas.height = Math.round(img.height * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        canvas.toBlob((blob) => resolve(blob ? new File([blob], file.name.replace(/\.\w+$/, "") + ".jpg", { type: "image/jpeg" }) : file), "image/jpeg", 0.82);
      };
      img.onerror = () => resolve(file);
      img.src = URL.createObjectURL(file);
    });
  }

  async function addPhoto(card, file) {
    const e = entry(card.dataset.item);
    setStatus(t.uploading);
    const form = new FormData();
    form.append("file", await resized(file));
    try {
      const response = await api(config.photosUrl, { method: "POST", body: form });
      const body = await response.json();
      if (!response.ok) { showProblems([{ field: card.dataset.item, message: body.detail }]); setStatus(body.detail, "text-danger"); return; }
      e.photos.push({ token: body.token, name: body.name });
      changed();
    } catch (err) {
      setStatus(t.uploadFailed, "text-danger");
    }
  }

  root.addEventListener("click", (event) => {
    const choice = event.target.closest("[data-value]");
    if (choice) {
      const card = choice.closest(".visit-item");
      const e = entry(card.dataset.item);
      e.value = e.value === choice.dataset.value ? "" : choice.dataset.value;
      card.classList.remove("has-problem");
      changed();
      return;
    }
    const tab = event.target.closest("[data-tab]");
    if (tab) { showSection(Number(tab.dataset.tab)); persist(); window.scrollTo(0, 0); }
  });
  root.addEventListener("input", (event) => {
    if (event.target.matches("[data-note]")) {
      entry(event.target.closest(".visit-item").dataset.item).note = event.target.value;
      state.dirty = true;
      persist();
      clearTimeout(timer);
      timer = setTimeout(sync, 800);
    } else if (event.target.id === "visit-summary") {
      state.summary = event.target.value;
      persist();
    } else if (event.target.id === "signed-by") {
      state.signedBy = event.target.value;
      persist();
    }
  });
  root.addEventListener("change", (event) => {
    if (event.target.matches("[data-photo]") && event.target.files.length) {
      addPhoto(event.target.closest(".visit-item"), event.target.files[0]);
      event.target.value = "";
    }
  });
  document.getElementById("visit-prev").addEventListener("click", () => { showSection(state.section - 1); persist(); window.scrollTo(0, 0); });
  document.getElementById("visit-next").addEventListener("click", () => { showSection(state.section + 1); persist(); window.scrollTo(0, 0); });
  document.getElementById("visit-submit").addEventListener("click", () => { if (window.confirm(t.confirm)) submit(); });
  window.addEventListener("online", () => { if (state.dirty || state.submitPending) sync(); });

  // The signatures (the store manager's and the inspector's): drawn with a finger or a mouse, kept on the
  // device with the answers.
  function signaturePad(canvasId, clearId, field) {
    const pad = document.getElementById(canvasId);
    const ink = pad.getContext("2d");
    let drawing = false;
    function paintKept() {
      ink.clearRect(0, 0, pad.width, pad.height);
      if (!state[field]) return;
      const img = new Image();
      img.onload = () => ink.drawImage(img, 0, 0);
      img.src = state[field];
    }
    function point(event) {
      const box = pad.getBoundingClientRect();
      return [(event.clientX - box.left) * pad.width / box.width, (event.clientY - box.top) * pad.height / box.height];
    }
    pad.addEventListener("pointerdown", (event) => {
      drawing = true;
      pad.setPointerCapture(event.pointerId);
      const [x, y] = point(event);
      ink.lineWidth = 3; ink.lineCap = "round"; ink.lineJoin = "round"; ink.strokeStyle = "#1d273b";
      ink.beginPath(); ink.moveTo(x, y);
    });
    pad.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      const [x, y] = point(event);
      ink.lineTo(x, y); ink.stroke();
    });
    function endStroke() {
      if (!drawing) return;
      drawing = false;
      state[field] = pad.toDataURL("image/png");
      persist();
    }
    pad.addEventListener("pointerup", endStroke);
    pad.addEventListener("pointerleave", endStroke);
    document.getElementById(clearId).addEventListener("click", () => {
      state[field] = ""; persist(); paintKept();
    });
    return paintKept;
  }
  const paintSignatures = [
    signaturePad("signature-pad", "signature-clear", "signature"),
    signaturePad("inspector-signature-pad", "inspector-signature-clear", "inspectorSignature"),
  ];
  function paintKept() { paintSignatures.forEach((paint) => paint()); }

  // Check-in: where the phone is, compared on the server with the store's coordinates; never blocking.
  function checkin() {
    const line = document.getElementById("checkin-status");
    if (!navigator.geolocation) { line.textContent = t.noLocation; return; }
    line.textContent = t.locating;
    navigator.geolocation.getCurrentPosition(async (position) => {
      try {
        const response = await api(config.checkinUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({
            latitude: position.coords.latitude, longitude: position.coords.longitude,
            accuracy: Math.round(position.coords.accuracy || 0),
          }),
        });
        if (!response.ok) throw new Error(String(response.status));
        const body = await response.json();
        if (!body.store_has_location) { line.textContent = t.locatedNoStore; line.className = "px-3 pb-2 small text-secondary"; return; }
        line.textContent = (body.flagged ? t.locatedFar : t.located).replace("%(m)s", body.distance_m);
        line.className = "px-3 pb-2 small " + (body.flagged ? "text-warning" : "text-success");
      } catch (e) {
        line.textContent = t.noLocation;
      }
    }, () => { line.textContent = t.noLocation; }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  }

  render();
  paintKept();
  checkin();
  if (state.submitPending || state.dirty) sync();
  else if (navigator.onLine) sync();
})();
