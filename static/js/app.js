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
