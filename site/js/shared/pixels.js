/*
 * pixels.js: pictures to RGBA or gray bytes with the browser's own decoders. Works on
 * the page (webcam frames, the studio) and in the runtime worker (photos, sprite
 * sheets): createImageBitmap and OffscreenCanvas exist in both.
 */

/**
 * Grayscale pixels of a sprite PNG (one image per row), decoded by the browser's own
 * image decoder and read back in chunks of rows, so no canvas gets large. Returns a
 * Uint8Array of width * rows values (the red channel; gray PNGs have R = G = B).
 */
export async function decodeSprite(url, width, rows, chunkRows = 2000) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  const bitmap = await createImageBitmap(await response.blob(),
    { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  try {
    if (bitmap.width !== width || bitmap.height !== rows) {
      throw new Error(`${url} is ${bitmap.width}x${bitmap.height}, expected ${width}x${rows}`);
    }
    const step = Math.min(chunkRows, rows);
    const canvas = new OffscreenCanvas(width, step);
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const out = new Uint8Array(width * rows);
    for (let y = 0; y < rows; y += step) {
      const h = Math.min(step, rows - y);
      ctx.clearRect(0, 0, width, step);
      ctx.drawImage(bitmap, 0, y, width, h, 0, 0, width, h);
      const rgba = ctx.getImageData(0, 0, width, h).data;
      for (let i = 0, j = y * width; i < width * h; i += 1, j += 1) out[j] = rgba[i * 4];
      await new Promise((resolve) => setTimeout(resolve, 0)); // let messages (Stop) through
    }
    return out;
  } finally {
    bitmap.close();
  }
}

/**
 * RGBA pixels of a decoded bitmap (or a video frame), at most maxSide pixels on a side:
 * bigger ones are scaled down by the browser (createImageBitmap resize), so a huge
 * photo never becomes a huge canvas. Returns {width, height, originalWidth,
 * originalHeight, pixels: Uint8Array of width * height * 4}.
 */
export async function bitmapPixels(source, width, height, maxSide = 2048) {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const bitmap = scale < 1
    ? await createImageBitmap(source, { resizeWidth: w, resizeHeight: h, resizeQuality: "high" })
    : source;
  try {
    const ctx = new OffscreenCanvas(w, h).getContext("2d", { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0);
    const pixels = new Uint8Array(ctx.getImageData(0, 0, w, h).data.buffer);
    return { width: w, height: h, originalWidth: width, originalHeight: height, pixels };
  } finally {
    if (bitmap !== source) bitmap.close();
  }
}

/** Decode encoded image bytes (PNG, JPEG, GIF, WebP, BMP) with the browser's decoder,
 *  no colour-profile conversion (pixels as stored); see bitmapPixels for the result. */
export async function decodeImage(bytes, maxSide = 2048) {
  const bitmap = await createImageBitmap(new Blob([bytes]),
    { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  try {
    return await bitmapPixels(bitmap, bitmap.width, bitmap.height, maxSide);
  } finally {
    bitmap.close();
  }
}
