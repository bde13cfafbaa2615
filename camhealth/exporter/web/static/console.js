// The console's only script (inline handlers are forbidden by its Content-Security-Policy):
// the work list's print button, and a note in place of a picture that is not there.
function noPicture(img) {
  const note = document.createElement("span");
  note.className = "note";
  note.textContent = img.dataset.fallback;
  img.replaceWith(note);
}

document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("print");
  if (button) button.addEventListener("click", () => window.print());
  for (const img of document.querySelectorAll("img[data-fallback]")) {
    // An error may have come before this script ran: then the image is complete but empty.
    if (img.complete && img.naturalWidth === 0) noPicture(img);
    else img.addEventListener("error", () => noPicture(img));
  }
});
