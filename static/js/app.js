// The project's own script; htmx itself comes from the django-htmx package. The Content Security Policy
// allows no inline script and no on…= attribute: every behaviour of the pages is wired here.
(function () {
  "use strict";

  // The texts are Vietnamese, the source language, and come translated from Django's JavaScript catalogue
  // (jsi18n/, loaded before this file: a script file, as the Content Security Policy wants). Were it missing,
  // they would stay Vietnamese rather than every behaviour below failing.
  var django = window.django || {};
  var gettext = django.gettext || function (text) { return text; };
  var ngettext = django.ngettext || function (one, many, count) { return count === 1 ? one : many; };
  var interpolate = django.interpolate || function (text, values) {
    return text.replace(/%\((\w+)\)s/g, function (match, name) { return values[name]; });
  };

  function say(text, values) {
    return interpolate(text, values || {}, true);
  }

  // ---- When a request fails, say so: nothing on the page is lost. --------------------------------------

  function kept() {
    return gettext("Những gì bạn nhập vẫn còn trên trang này và trong bản nháp của trình duyệt.");
  }

  function showProblem(text) {
    var box = document.getElementById("problem");
    if (!box) return;
    box.textContent = text;
    box.classList.remove("d-none");
    box.scrollIntoView({ block: "center", behavior: "instant" });
    box.focus({ preventScroll: true });
  }

  function hideProblem() {
    var box = document.getElementById("problem");
    if (box) box.classList.add("d-none");
  }

  function isPost(detail) {
    var config = detail.requestConfig || {};
    return String(config.verb || "").toLowerCase() === "post";
  }

  document.addEventListener("htmx:beforeRequest", hideProblem);

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var what = status === 403 ? gettext("bạn không có quyền thực hiện thao tác này") : gettext("máy chủ báo lỗi");
    if (isPost(event.detail)) {
      showProblem(say(gettext("Chưa lưu được: %(what)s (mã %(status)s), nên những gì bạn vừa gửi chưa được lưu."),
        { what: what, status: status }) + " " + kept() + " " +
        gettext("Hãy thử lại sau ít phút; nếu lỗi lặp lại, hãy báo quản trị hệ thống."));
    } else {
      showProblem(say(gettext("Không tải được nội dung: %(what)s (mã %(status)s). Hãy tải lại trang."),
        { what: what, status: status }));
    }
  });

  document.addEventListener("htmx:sendError", function (event) {
    var what = isPost(event.detail) ? gettext("Không kết nối được máy chủ: lần lưu này chưa được lưu.")
      : gettext("Không kết nối được máy chủ.");
    showProblem(what + " " + kept() + " " + gettext("Hãy kiểm tra mạng rồi thử lại."));
  });

  // An answer that is not the part of the page it should replace (a login page after the session ended, a
  // proxy's error page) is never swapped in: the page and what was typed stay.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!event.detail.shouldSwap || !target || !target.id) return;
    if (event.detail.xhr.responseText.indexOf('id="' + target.id + '"') !== -1) return;
    event.detail.shouldSwap = false;
    event.detail.xhr.notTheAnswer = true;
    showProblem(gettext("Máy chủ trả về một trang khác (có thể phiên đăng nhập đã hết), nên trang này được giữ nguyên.") +
      " " + kept() + " " + gettext("Hãy đăng nhập lại ở một thẻ khác rồi thử lại."));
  });

  // ---- Drafts: what is typed in a form marked data-draft is kept in the browser until it is saved. -------
  //
  // Only fields whose value differs from what the page showed are kept, so restoring a draft never undoes
  // what someone else saved meanwhile. data-draft-state is "stored" when the page shows what is stored, and
  // "unsaved" when it shows a refused submission (the values on the page are then the typed ones).

  var PREFIX = "modelphuong:draft:";
  var PENDING = "modelphuong:draft-pending";

  function storageKey(form) {
    return PREFIX + form.dataset.draft;
  }

  function readDraft(key) {
    try {
      var draft = JSON.parse(window.localStorage.getItem(key) || "null");
      return draft && draft.values ? draft : { values: {} };
    } catch (error) {
      return { values: {} };
    }
  }

  function writeDraft(key, draft) {
    try {
      if (Object.keys(draft.values).length === 0) {
        window.localStorage.removeItem(key);
      } else {
        draft.at = new Date().toISOString();
        window.localStorage.setItem(key, JSON.stringify(draft));
      }
    } catch (error) {
      // Storage full or forbidden (private window): the page itself still holds what was typed.
    }
  }

  function draftable(element) {
    if (!element.name || element.disabled) return false;
    if (/^(hidden|file|submit|button|reset|password)$/.test(element.type)) return false;
    return element.name !== "csrfmiddlewaretoken" && element.name.indexOf("keep-") !== 0;
  }

  function fieldsNamed(form, name) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name === name && draftable(el);
    });
  }

  function currentValue(fields) {
    var first = fields[0];
    if (first.type === "checkbox") return first.checked ? "on" : "";
    if (first.type === "radio") {
      var checked = fields.filter(function (el) { return el.checked; })[0];
      return checked ? checked.value : "";
    }
    return first.value;
  }

  function shownValue(fields) {
    var first = fields[0];
    if (first.type === "checkbox") return first.defaultChecked ? "on" : "";
    if (first.type === "radio") {
      var checked = fields.filter(function (el) { return el.defaultChecked; })[0];
      return checked ? checked.value : "";
    }
    if (first.tagName === "SELECT") {
      var selected = Array.prototype.filter.call(first.options, function (o) { return o.defaultSelected; })[0];
      return selected ? selected.value : (first.options[0] ? first.options[0].value : "");
    }
    return first.defaultValue;
  }

  function same(a, b) {
    return String(a).normalize("NFC").trim() === String(b).normalize("NFC").trim();
  }

  function setValue(fields, value) {
    var first = fields[0];
    if (first.type === "checkbox") {
      first.checked = value === "on";
    } else if (first.type === "radio") {
      fields.forEach(function (el) { el.checked = el.value === value; });
    } else {
      first.value = value;
    }
    fields.forEach(function (el) { el.classList.add("draft-restored"); });
  }

  function remember(form, name) {
    var fields = fieldsNamed(form, name);
    if (!fields.length) return;
    var key = storageKey(form);
    var draft = readDraft(key);
    var value = currentValue(fields);
    if (form.dataset.draftState === "stored" && same(value, shownValue(fields))) {
      delete draft.values[name];
    } else {
      draft.values[name] = value;
    }
    writeDraft(key, draft);
  }

  // Drop what the page now shows as stored; returns the entries still waiting to be saved.
  function prune(form) {
    var key = storageKey(form);
    var draft = readDraft(key);
    Object.keys(draft.values).forEach(function (name) {
      var fields = fieldsNamed(form, name);
      if (!fields.length || same(draft.values[name], shownValue(fields))) delete draft.values[name];
    });
    writeDraft(key, draft);
    return draft;
  }

  // "14:05 01/12/2026", as the pages write a time; "" for a draft without one.
  function describeTime(iso) {
    var at = new Date(iso);
    if (isNaN(at)) return "";
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(at.getHours()) + ":" + two(at.getMinutes()) + " " + two(at.getDate()) + "/" +
      two(at.getMonth() + 1) + "/" + at.getFullYear();
  }

  function button(text, classes) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm " + classes;
    b.textContent = text;
    return b;
  }

  function offerDraft(form, draft) {
    var count = Object.keys(draft.values).length;
    var banner = document.createElement("div");
    banner.id = "draft-banner";
    banner.className = "alert alert-info d-flex flex-wrap align-items-center gap-2";
    banner.setAttribute("role", "status");
    banner.tabIndex = -1;
    var text = document.createElement("span");
    text.className = "draft-banner-text";
    var at = describeTime(draft.at);
    text.textContent = at
      ? say(ngettext("Trình duyệt này còn giữ %(count)s ô bạn đã nhập nhưng chưa lưu (lúc %(at)s). Khôi phục để tiếp tục, rồi bấm Lưu.",
        "Trình duyệt này còn giữ %(count)s ô bạn đã nhập nhưng chưa lưu (lúc %(at)s). Khôi phục để tiếp tục, rồi bấm Lưu.",
        count), { count: count, at: at })
      : say(ngettext("Trình duyệt này còn giữ %(count)s ô bạn đã nhập nhưng chưa lưu. Khôi phục để tiếp tục, rồi bấm Lưu.",
        "Trình duyệt này còn giữ %(count)s ô bạn đã nhập nhưng chưa lưu. Khôi phục để tiếp tục, rồi bấm Lưu.",
        count), { count: count });
    var restore = button(gettext("Khôi phục"), "btn-primary");
    var discard = button(gettext("Bỏ bản nháp"), "btn-outline-dark");
    var actions = document.createElement("span");
    actions.className = "d-flex gap-2";
    actions.append(restore, discard);
    banner.append(text, actions);
    restore.addEventListener("click", function () {
      var restored = 0;
      Object.keys(draft.values).forEach(function (name) {
        var fields = fieldsNamed(form, name);
        if (!fields.length) return;
        setValue(fields, draft.values[name]);
        restored += 1;
      });
      text.textContent = say(ngettext("Đã khôi phục %(count)s ô từ bản nháp (tô vàng). Bấm Lưu để lưu lên máy chủ.",
        "Đã khôi phục %(count)s ô từ bản nháp (tô vàng). Bấm Lưu để lưu lên máy chủ.", restored), { count: restored });
      restore.remove();
      discard.remove();
      banner.focus();
    });
    discard.addEventListener("click", function () {
      try { window.localStorage.removeItem(storageKey(form)); } catch (error) { /* nothing kept anyway */ }
      banner.remove();
    });
    form.parentNode.insertBefore(banner, form);
  }

  function pendingSave() {
    try {
      var pending = JSON.parse(window.sessionStorage.getItem(PENDING) || "null");
      window.sessionStorage.removeItem(PENDING);
      return pending && Date.now() - pending.at < 10 * 60 * 1000 ? pending : null;
    } catch (error) {
      return null;
    }
  }

  // After an ordinary (non-htmx) submission, the next page tells whether it was stored: a success message.
  function settlePendingSave() {
    var pending = pendingSave();
    if (!pending || !document.querySelector('[data-message-level="success"]')) return;
    var form = document.querySelector('form[data-draft="' + pending.draft + '"]');
    if (form && form.dataset.draftState === "stored") return; // prune() keeps only what was not stored
    if (!form) {
      // The form is gone (returned, approved…): its draft has nowhere to go back to.
      try { window.localStorage.removeItem(PREFIX + pending.draft); } catch (error) { /* ignore */ }
    }
  }

  function initDrafts(root) {
    var forms = root.querySelectorAll ? root.querySelectorAll("form[data-draft]") : [];
    Array.prototype.forEach.call(forms, function (form) {
      if (form.dataset.draftReady) return;
      form.dataset.draftReady = "1";
      if (form.dataset.draftState !== "stored") return;
      var draft = prune(form);
      if (Object.keys(draft.values).length && !document.getElementById("draft-banner")) offerDraft(form, draft);
    });
  }

  function draftFormOf(element) {
    if (!element) return null;
    var form = element.form || (element.closest && element.closest("form"));
    return form && form.matches("form[data-draft]") ? form : null;
  }

  function onEdit(event) {
    var form = draftFormOf(event.target);
    if (form && draftable(event.target)) remember(form, event.target.name);
  }
  document.addEventListener("input", onEdit);
  document.addEventListener("change", onEdit);

  // A save htmx got a 2xx answer for, the expected part of the page, is stored: the form it came from no
  // longer has a draft.
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    var form = draftFormOf(event.detail.elt);
    if (!form || !isPost(event.detail) || status < 200 || status >= 300 || xhr.notTheAnswer) return;
    try { window.localStorage.removeItem(storageKey(form)); } catch (error) { /* ignore */ }
  });

  // ---- Confirmations, and selects that submit their form, without inline handlers. ----------------------

  // Capture phase: runs before htmx or the browser act on the submission.
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = (submitter && submitter.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.matches("form[data-draft]") || form.hasAttribute("hx-post")) return;
    try {
      window.sessionStorage.setItem(PENDING, JSON.stringify({ draft: form.dataset.draft, at: Date.now() }));
    } catch (error) { /* ignore */ }
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) event.target.form.requestSubmit();
  });

  // ---- Errors in view: focus the first field in error; the summary's links go to their field. ----------

  function reveal(field) {
    for (var d = field.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) {
      d.open = true;
    }
    field.focus({ preventScroll: true });
    field.scrollIntoView({ block: "center", behavior: "instant" });
  }

  function focusFirstError(root) {
    var field = root.querySelector('[aria-invalid="true"], .is-invalid') || root.querySelector("[data-focus-on-load]");
    if (field) reveal(field);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#error-summary a[href^='#']");
    if (!link) return;
    var field = document.getElementById(decodeURIComponent(link.hash.slice(1)));
    if (!field) return;
    event.preventDefault();
    reveal(field);
  });

  // On the swapped-in element (the request's old target may be detached), and after htmx's own scrolling
  // (show:top), which runs once this event has been handled.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target;
    initDrafts(document);
    window.setTimeout(function () {
      if (root.isConnected) focusFirstError(root);
    }, 0);
  });

  // Once everything above is wired, and htmx (whose own DOMContentLoaded handler ran before this one) has
  // processed the page, the document says so: <html data-ready>. Until then a click on a button that posts
  // would be the browser's own submission, without htmx and without its confirmation. The browser tests
  // wait for it before they click.
  function start() {
    settlePendingSave();
    initDrafts(document);
    focusFirstError(document);
    if (window.htmx) document.documentElement.dataset.ready = "1";
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

// A file over its field's limit (data-max-bytes) is refused here, before it is sent, with the server's own
// message at the field; the server refuses it too, from the request's length (wards.uploads).
document.addEventListener("change", function (event) {
  var input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.maxBytes) return;
  var file = input.files && input.files[0];
  var message = "";
  if (file && file.size > Number(input.dataset.maxBytes)) {
    var size = (Math.ceil((file.size * 100) / 1048576) / 100).toLocaleString("vi-VN", { maximumFractionDigits: 2 });
    message = input.dataset.tooLarge.replace("{name}", file.name).replace("{size}", size);
  }
  input.setCustomValidity(message);
  input.classList.toggle("is-invalid", message !== "");
  var shown = input.parentElement.querySelector("[data-size-feedback]");
  if (shown) shown.remove();
  if (message) {
    var feedback = document.createElement("div");
    feedback.className = "invalid-feedback d-block";
    feedback.dataset.sizeFeedback = "";
    feedback.textContent = message;
    input.insertAdjacentElement("afterend", feedback);
  }
});
