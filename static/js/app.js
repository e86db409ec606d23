// The project's own script. htmx itself comes from the django-htmx package.
// When a background request fails (server error, lost connection), say so: the page keeps what was typed.
document.addEventListener("htmx:responseError", function (event) {
  showProblem("Máy chủ báo lỗi (" + event.detail.xhr.status + "). Dữ liệu bạn nhập vẫn còn trên trang; hãy thử lại.");
});
document.addEventListener("htmx:sendError", function () {
  showProblem("Không kết nối được máy chủ. Dữ liệu bạn nhập vẫn còn trên trang; hãy kiểm tra mạng rồi thử lại.");
});

function showProblem(text) {
  var box = document.getElementById("problem");
  if (!box) return;
  box.textContent = text;
  box.classList.remove("d-none");
  box.scrollIntoView({ block: "center" });
}

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
