// One image in a card column: loaded only once the column scrolls into view (IntersectionObserver),
// drawn as a thumbnail when it is large (decoded once at the frame's size, so a grid of big images
// stays cheap to paint), enlarged on click at full size. Bytes that do not decode show a placeholder
// sentence instead of a broken image.
import type { MediaItem, RunRef } from '@runlane/protocol';
import { el } from '../views/dom.js';
import type { MediaCache } from './mediaCache.js';

/** Above this many bytes or pixels an image is shown as a thumbnail first. */
const THUMB_BYTES = 256 * 1024;
const THUMB_PIXELS = 1024 * 1024;
const THUMB_SIZE = 320;
/** Up to this many bytes an image is shown from a data: URL rather than an object URL: each object
 * URL an <img> loads is a round trip to the browser process, 40 small PNGs 54-130 ms against 12-15
 * ms as data: URLs on the 2-core CI machine (the media benchmark). Larger ones keep object URLs,
 * whose bytes stay out of the page's heap. */
const INLINE_BYTES = 64 * 1024;

/** Work done once an element is near the screen; one observer for every frame and card of a document. */
const pending = new WeakMap<Element, (width: number) => void>();
let observer: IntersectionObserver | null = null;
export function whenVisible(frame: Element, show: (width: number) => void): void {
  if (typeof IntersectionObserver === 'undefined') return show(Infinity);
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        observer!.unobserve(e.target);
        const run = pending.get(e.target);
        pending.delete(e.target);
        run?.(e.boundingClientRect.width);
      }
    },
    { rootMargin: '200px' },
  );
  pending.set(frame, show);
  observer.observe(frame);
}

/** Drops `element`'s pending work (a card removed before it was ever scrolled to). */
export function forgetVisible(element: Element): void {
  pending.delete(element);
  observer?.unobserve(element);
}

export function placeholder(text: string): HTMLElement {
  return el('div', { className: 'rl-media-placeholder', textContent: text });
}

/** Shows `item` in `frame` (replacing what was there) once the frame is visible, or at once when
 * the caller knows it is (`now`: a card that has just come into view, its columns all in its width). */
export function showImage(frame: HTMLElement, run: RunRef, item: MediaItem, cache: MediaCache, title: string, now = false): void {
  frame.dataset.ref = item.ref;
  if (!frame.firstChild) frame.append(placeholder('loading…'));
  // A frame that was on screen (a slider move) draws at once; a new one when it scrolls into view.
  if (now || frame.dataset.shown !== undefined) void draw(frame, run, item, cache, title);
  else whenVisible(frame, () => void draw(frame, run, item, cache, title));
}

/** A small image's decoded form: its data: URL, and (until a frame takes it) the <img> that decoded it. */
interface Decoded {
  url: string;
  spare: HTMLImageElement | null;
}

const isLarge = (item: MediaItem) => item.size > THUMB_BYTES || (item.width ?? 0) * (item.height ?? 0) > THUMB_PIXELS;

/** The item decoded as draw() shows it, kept by the cache: the work a frame would do, done ahead. */
function prepare(run: RunRef, item: MediaItem, cache: MediaCache): Promise<ImageBitmap | Decoded> {
  if (isLarge(item)) return cache.memo(run, item, 'thumbnail', async () => thumbnail(await cache.blob(run, item)));
  return cache.memo(run, item, 'decoded', async (): Promise<Decoded> => {
    const url = item.size <= INLINE_BYTES ? dataUrl(await cache.data(run, item), item.mime) : await cache.url(run, item);
    return { url, spare: await decoded(url) };
  });
}

/** Reads and decodes `item` ahead of a slider move (the idle prefetch of mediaCard.ts); a frame
 * that then shows it only swaps a node. Resolves once done; a corrupt image is left to draw(). */
export async function warmImage(run: RunRef, item: MediaItem, cache: MediaCache): Promise<void> {
  await prepare(run, item, cache).catch(() => undefined);
}

/** The memory warming an item takes: its bytes, or a large image's decoded pixels (it is decoded
 * at full size once to make its thumbnail); the idle prefetch counts it against its budget. */
export const warmCost = (item: MediaItem) => (isLarge(item) ? Math.max(item.size, (item.width ?? 0) * (item.height ?? 0) * 4) : item.size);

async function draw(frame: HTMLElement, run: RunRef, item: MediaItem, cache: MediaCache, title: string): Promise<void> {
  const broken = () => placeholder(`This image could not be shown (${item.size} bytes${item.mime ? `, ${item.mime}` : ''}).`);
  let node: HTMLElement;
  try {
    // Decoded once per item (the cache keeps the work): a slider back over seen steps only swaps nodes.
    const done = await prepare(run, item, cache);
    if (!('url' in done)) node = drawBitmap(done);
    else {
      // The <img> that decoded it is shown the first time (a second one decoded again: 40 images
      // 65-120 ms against 45-65); later draws (the slider back) take a new one of the proven URL.
      node = done.spare ?? el('img', { src: done.url, alt: '', decoding: 'sync' });
      done.spare = null;
    }
  } catch {
    node = broken();
  }
  if (frame.dataset.ref !== item.ref) return; // the slider moved on meanwhile
  node.title = title;
  // The image's classes only on an image: on the placeholder, the image's full height pushed its
  // sentence to the top of the frame, under a zoom-in cursor that enlarged nothing.
  if (!node.classList.contains('rl-media-placeholder')) {
    node.classList.add('rl-media-image');
    // A small image (a 28x28 sample) is enlarged to the frame: square pixels, not a blur.
    if ((item.width ?? Infinity) < 160 && (item.height ?? Infinity) < 160) node.classList.add('rl-media-pixelated');
    node.addEventListener('click', () => void enlarge(frame.ownerDocument, run, item, cache, title));
  }
  frame.replaceChildren(node);
  frame.dataset.shown = item.ref;
}

/** An <img> of the URL once its bytes decoded (a corrupt PNG rejects here, not as a broken icon). */
async function decoded(url: string): Promise<HTMLImageElement> {
  const img = el('img', { src: url, alt: '' });
  await img.decode();
  // decode() resolves once the header is read: a PNG whose image data is corrupt passes it and then
  // paints an empty frame. A bitmap of it decodes every pixel, and rejects for such bytes.
  if (typeof createImageBitmap === 'function') (await createImageBitmap(img)).close();
  return img;
}

/** A data: URL of the bytes, made here rather than through a Blob and a FileReader (two round trips
 * to the browser process per image: half a slider step's wait in the media benchmark). A MIME type
 * that is not a plain type/subtype (it comes from the store) is left out, not pasted into the URL. */
function dataUrl(bytes: Uint8Array, mime: string | null | undefined): string {
  const type = mime && /^[\w.+-]+\/[\w.+-]+$/.test(mime) ? mime : 'application/octet-stream';
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:${type};base64,${btoa(binary)}`;
}

/** The image scaled down to THUMB_SIZE, decoded once (kept by the cache). */
async function thumbnail(blob: Blob): Promise<ImageBitmap> {
  const full = await createImageBitmap(blob);
  const scale = Math.min(1, THUMB_SIZE / Math.max(full.width, full.height));
  const small = await createImageBitmap(full, { resizeWidth: Math.max(1, Math.round(full.width * scale)), resizeHeight: Math.max(1, Math.round(full.height * scale)), resizeQuality: 'medium' });
  full.close();
  return small;
}

function drawBitmap(bitmap: ImageBitmap): HTMLElement {
  const canvas = el('canvas', { width: bitmap.width, height: bitmap.height });
  canvas.getContext('2d')?.drawImage(bitmap, 0, 0);
  return canvas;
}

/** The image at full size over the panel; Escape, a click or the close button ends it. */
async function enlarge(doc: Document, run: RunRef, item: MediaItem, cache: MediaCache, title: string): Promise<void> {
  const overlay = el('div', { className: 'rl-media-overlay', role: 'dialog', tabIndex: -1 });
  overlay.setAttribute('aria-label', title);
  const close = el('button', { className: 'rl-media-close', textContent: '×', title: 'Close (Esc)' });
  const caption = el('div', { className: 'rl-media-overlay-caption', textContent: title });
  const img = el('img', { alt: title, src: await cache.url(run, item) });
  // "Enlarge" must never show less than the card did: a small image (a 28x28 sample, drawn to its
  // card's frame) is scaled up to fill the window, with square pixels; a big one keeps its max bounds.
  img.addEventListener('load', () => {
    const win = doc.defaultView;
    if (!win || !img.naturalWidth || !img.naturalHeight) return;
    const scale = Math.min((win.innerWidth * 0.94) / img.naturalWidth, (win.innerHeight * 0.86) / img.naturalHeight);
    if (scale > 1) img.style.width = `${Math.floor(img.naturalWidth * scale)}px`;
  });
  overlay.append(close, img, caption);
  const end = () => overlay.remove();
  overlay.addEventListener('click', end);
  overlay.addEventListener('keydown', (e) => e.key === 'Escape' && end());
  doc.body.append(overlay);
  overlay.focus();
}
