// The tags of one TensorBoard run: their text, interned so that a tag repeating on every event costs
// no string allocation, the columns its points go to, and the plugin each tag was first declared with.
import { ColumnBuffer } from './columnBuffer.js';

/** What a Summary value's metadata says about its plugin (None: no metadata or no plugin data). */
export const PluginDeclaration = { None: 0, Scalars: 1, Other: 2 } as const;
export type PluginDeclaration = (typeof PluginDeclaration)[keyof typeof PluginDeclaration];

const SLOTS = 1024;
const utf8 = new TextDecoder();

export interface InternedTag {
  readonly bytes: Uint8Array;
  readonly words: DataView;
  readonly text: string;
  /** Where the reader appends this tag's points (tags whose bytes differ but decode to one text share it). */
  readonly points: ColumnBuffer;
  /**
   * The tag met right after this one the last time: writers log their tags in the same order every
   * step, so checking this guess first finds most tags with one comparison and no hashing.
   */
  next: InternedTag | null;
}

export class TagTable {
  // Keyed by a 32-bit hash of the tag's bytes; a list per hash in case two tags collide.
  private readonly byHash = new Map<number, InternedTag[]>();
  // A direct-mapped cache in front of the map: one array load finds most tags.
  private readonly slots: (InternedTag | undefined)[] = new Array<InternedTag | undefined>(SLOTS).fill(undefined);
  private readonly scalarTensorTags = new Map<string, boolean>();
  private readonly columnsByText = new Map<string, ColumnBuffer>();
  // The tag returned last (its `next` is the guess for the one after).
  private last: InternedTag | null = null;

  /** `columnsFor`: the columns a tag's points go to, asked once per tag text (a run's series). */
  constructor(private readonly columnsFor: (text: string) => ColumnBuffer = () => new ColumnBuffer()) {}

  /** The text of the tag whose UTF-8 bytes are buf[start, end). */
  text(buf: Uint8Array, start: number, end: number): string {
    return this.intern(buf, start, end).text;
  }

  /** The tag whose UTF-8 bytes are buf[start, end); `view`, a DataView of buf, lets it compare 4 bytes at a time. */
  intern(buf: Uint8Array, start: number, end: number, view?: DataView): InternedTag {
    const last = this.last;
    const guess = last === null ? null : last.next;
    if (guess !== null && (view === undefined ? sameBytes(guess.bytes, buf, start, end) : sameWords(guess, view, start, end))) return (this.last = guess);
    const tag = this.find(buf, start, end);
    if (last !== null) last.next = tag;
    return (this.last = tag);
  }

  /** The columns of every tag so far. */
  allColumns(): IterableIterator<ColumnBuffer> {
    return this.columnsByText.values();
  }

  /** The columns of the tag named `text`. */
  columns(text: string): ColumnBuffer {
    let columns = this.columnsByText.get(text);
    if (!columns) this.columnsByText.set(text, (columns = this.columnsFor(text)));
    return columns;
  }

  private find(buf: Uint8Array, start: number, end: number): InternedTag {
    let hash = 0x811c9dc5; // FNV-1a: cheap, and tags are short
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i]!, 0x01000193);
    const slot = hash & (SLOTS - 1);
    const cached = this.slots[slot];
    if (cached !== undefined && sameBytes(cached.bytes, buf, start, end)) return cached;
    const tag = this.lookUp(hash, buf, start, end);
    this.slots[slot] = tag;
    return tag;
  }

  private lookUp(hash: number, buf: Uint8Array, start: number, end: number): InternedTag {
    let bucket = this.byHash.get(hash);
    if (bucket) {
      for (const tag of bucket) if (sameBytes(tag.bytes, buf, start, end)) return tag;
    } else this.byHash.set(hash, (bucket = []));
    // A copy: a view would keep the whole read slice (megabytes) alive for as long as the tag.
    const bytes = new Uint8Array(end - start);
    bytes.set(buf.subarray(start, end));
    const text = utf8.decode(bytes);
    const tag: InternedTag = { bytes, words: new DataView(bytes.buffer), text, points: this.columns(text), next: null };
    bucket.push(tag);
    return tag;
  }

  /** Each tag's first declaration so far: [tag, whether it is a scalar]. */
  declarations(): [string, boolean][] {
    return [...this.scalarTensorTags];
  }

  /** Takes declarations read elsewhere (a worker read these files); the ones known here stand. */
  declare(declarations: [string, boolean][]): void {
    for (const [tag, scalars] of declarations) if (!this.scalarTensorTags.has(tag)) this.scalarTensorTags.set(tag, scalars);
  }

  /**
   * Whether a tensor value of `tag` is a scalar. TensorBoard decides a tag's plugin by the first
   * metadata it sees for it: TF1's FileWriter writes metadata only on a tag's first value, so later
   * values without any inherit it (and a tag never declared is not a scalar).
   */
  isScalarTensor(tag: string, declared: PluginDeclaration): boolean {
    const known = this.scalarTensorTags.get(tag);
    if (known !== undefined) return known;
    if (declared === PluginDeclaration.None) return false;
    const scalars = declared === PluginDeclaration.Scalars;
    this.scalarTensorTags.set(tag, scalars);
    return scalars;
  }
}

function sameBytes(a: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  // From the end: tags of one run mostly share a prefix and differ in a suffix ("layer1", "layer2").
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== buf[start + i]) return false;
  return true;
}

/** sameBytes, 4 bytes at a time. */
function sameWords(tag: InternedTag, view: DataView, start: number, end: number): boolean {
  const n = tag.bytes.length;
  if (n !== end - start) return false;
  const words = tag.words;
  let i = 0;
  for (; i + 4 <= n; i += 4) if (words.getUint32(i) !== view.getUint32(start + i)) return false;
  for (; i < n; i++) if (words.getUint8(i) !== view.getUint8(start + i)) return false;
  return true;
}
