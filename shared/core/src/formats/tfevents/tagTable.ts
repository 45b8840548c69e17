// The tags of one TensorBoard run: their text, interned so that a tag repeating on every event costs
// no string allocation, and the plugin each tag was first declared with.

/** What a Summary value's metadata says about its plugin (None: no metadata or no plugin data). */
export const PluginDeclaration = { None: 0, Scalars: 1, Other: 2 } as const;
export type PluginDeclaration = (typeof PluginDeclaration)[keyof typeof PluginDeclaration];

const SLOTS = 1024;
const utf8 = new TextDecoder();

interface InternedTag {
  bytes: Uint8Array;
  text: string;
}

export class TagTable {
  // Keyed by a 32-bit hash of the tag's bytes; a list per hash in case two tags collide.
  private readonly byHash = new Map<number, InternedTag[]>();
  // A direct-mapped cache in front of the map: one array load finds most tags.
  private readonly slots: (InternedTag | undefined)[] = new Array<InternedTag | undefined>(SLOTS).fill(undefined);
  private readonly scalarTensorTags = new Map<string, boolean>();
  // The two tags returned last: writers mostly alternate among a few, and comparing with them first
  // is cheaper than hashing.
  private recent: InternedTag | null = null;
  private previous: InternedTag | null = null;

  /** The tag whose UTF-8 bytes are buf[start, end). */
  text(buf: Uint8Array, start: number, end: number): string {
    const recent = this.recent;
    if (recent !== null && sameBytes(recent.bytes, buf, start, end)) return recent.text;
    const previous = this.previous;
    if (previous !== null && sameBytes(previous.bytes, buf, start, end)) {
      this.previous = recent;
      this.recent = previous;
      return previous.text;
    }
    const tag = this.intern(buf, start, end);
    this.previous = recent;
    this.recent = tag;
    return tag.text;
  }

  private intern(buf: Uint8Array, start: number, end: number): InternedTag {
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
    const tag = { bytes, text: utf8.decode(bytes) };
    bucket.push(tag);
    return tag;
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
