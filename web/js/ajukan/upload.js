// Sending the proposal with its documents: one multipart POST through XMLHttpRequest, whose
// upload events drive a progress bar (fetch has none); the answer is read as JSON or problem+json.

/**
 * POST `form` (a FormData) to `url`; onProgress(fraction 0..1) while the body goes up.
 * Resolves {status, body} for every HTTP answer; status 0 when the server could not be reached.
 */
export function sendForm(url, form, { csrf = null, onProgress = () => {} } = {}) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Accept", "application/json");
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.withCredentials = true;
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable && e.total) onProgress(e.loaded / e.total);
    });
    xhr.upload.addEventListener("load", () => onProgress(1));
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body });
    });
    xhr.addEventListener("error", () => resolve({ status: 0, body: null }));
    xhr.addEventListener("abort", () => resolve({ status: 0, body: null }));
    xhr.send(form);
  });
}
