// The only script of the console: the work list's print button (inline handlers are
// forbidden by the Content-Security-Policy).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print");
  if (button) button.addEventListener("click", () => window.print());
});
