// Photos shrink in the browser before they are sent: the long side to at most 2000 px, JPEG at
// a quality that keeps detail, so a phone on a slow network sends a few hundred KB, not 8 MB.
// Re-encoding drops every EXIF field, the camera's location included; when the form has no
// place yet, the photo's location (read here, never uploaded) can fill it.
(() => {
  const LONG_SIDE = 2000;
  const QUALITY = 0.85;
  const SMALL_ENOUGH = 700 * 1024;  // a small PNG or JPEG is sent as it is (after EXIF check)

  async function shrink(file) {
    if (!/^image\/(jpeg|png)$/.test(file.type)) return file;
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (error) { return file; }
    const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
    const hasLocation = (await gpsOf(file)) !== null;
    if (scale === 1 && file.size <= SMALL_ENOUGH && !hasLocation) { bitmap.close(); return file; }
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
    if (!blob) return file;
    const name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
    return new File([blob], name, { type: "image/jpeg", lastModified: file.lastModified });
  }

  // The GPS position in a JPEG's EXIF (APP1) block, as [latitude, longitude], or null.
  async function gpsOf(file) {
    if (file.type !== "image/jpeg") return null;
    const view = new DataView(await file.slice(0, 256 * 1024).arrayBuffer());
    if (view.byteLength < 4 || view.getUint16(0) !== 0xffd8) return null;
    let offset = 2;
    while (offset + 4 < view.byteLength) {
      const marker = view.getUint16(offset);
      const length = view.getUint16(offset + 2);
      if (marker === 0xffe1 && view.getUint32(offset + 4) === 0x45786966) {  // "Exif"
        return readGps(view, offset + 10);
      }
      if ((marker & 0xff00) !== 0xff00) return null;
      offset += 2 + length;
    }
    return null;
  }
  function readGps(view, tiff) {
    try {
      const little = view.getUint16(tiff) === 0x4949;
      const u16 = (at) => view.getUint16(at, little);
      const u32 = (at) => view.getUint32(at, little);
      const entries = (dir) => Array.from({ length: u16(dir) }, (_, i) => dir + 2 + i * 12);
      const ifd0 = tiff + u32(tiff + 4);
      const pointer = entries(ifd0).find((at) => u16(at) === 0x8825);
      if (pointer === undefined) return null;
      const gps = tiff + u32(pointer + 8);
      const tags = {};
      for (const at of entries(gps)) tags[u16(at)] = at;
      const degrees = (tag) => {
        const at = tiff + u32(tags[tag] + 8);
        const part = (i) => u32(at + i * 8) / u32(at + i * 8 + 4);
        return part(0) + part(1) / 60 + part(2) / 3600;
      };
      const ref = (tag) => String.fromCharCode(view.getUint8(tags[tag] + 8));
      if (!(2 in tags) || !(4 in tags)) return null;
      const latitude = degrees(2) * (ref(1) === "S" ? -1 : 1);
      const longitude = degrees(4) * (ref(3) === "W" ? -1 : 1);
      return Number.isFinite(latitude) && Number.isFinite(longitude) ? [latitude, longitude] : null;
    } catch (error) { return null; }
  }

  // One file onto a request: a ticket from the API, the bytes straight to storage, then the
  // API records it (a photo gets its thumbnail there). Answers the request's new view, or
  // throws with the API's answer. The requester's way; ``uploadAs`` is anyone's (staff).
  async function upload(api, number, token, original) {
    const path = "/requests/" + encodeURIComponent(number) + "/attachments";
    return uploadAs(api + path, { "X-Access-Token": token }, original, api);
  }

  async function uploadAs(endpoint, credentials, original, api = "") {
    const file = await shrink(original);
    const headers = { "Content-Type": "application/json", ...credentials };
    const asked = await fetch(endpoint, { method: "POST", headers,
      body: JSON.stringify({ filename: file.name, content_type: file.type || "application/octet-stream",
                             size: file.size }) });
    const ticket = await asked.json().catch(() => ({}));
    if (!asked.ok) throw Object.assign(new Error("refused"), { answer: ticket, status: asked.status });
    const form = new FormData();
    for (const [k, v] of Object.entries(ticket.fields)) form.append(k, v);
    form.append("file", file);
    const stored = await fetch(ticket.url, { method: "POST", body: form });
    if (!stored.ok) throw Object.assign(new Error("storage"), { answer: {}, status: 0 });
    const confirmed = await fetch(api + ticket.confirm_path, { method: "PUT", headers,
      body: JSON.stringify({ filename: file.name }) });
    const view = await confirmed.json().catch(() => ({}));
    if (!confirmed.ok) throw Object.assign(new Error("refused"), { answer: view, status: confirmed.status });
    return view;
  }

  window.civicdeskPhotos = { shrink, gpsOf, upload, uploadAs };
})();
