// One round of the media benchmark on a fresh page of test/bench/media/page.ts: the grid's first
// paint, the step slider (dragged, after a look, back over seen steps), the histograms.
import type { Page } from 'playwright-core';

/** One round on a fresh page: the grid's first paint, the slider, the histograms. */
export async function measure(page: Page, prefetch: boolean) {
  return page.evaluate(async (prefetch) => {
    type Card = { element: HTMLElement; runCount: number; moveTo(p: number): void; step: number | null; draw(): void; setMode(m: string, byUser: boolean): void };
    const b = (window as unknown as { bench: { prefetch: { enabled: boolean }; section: { setRuns(r: unknown[]): Promise<void>; card(k: string): Card; element: HTMLElement }; runs: unknown[]; ready: Promise<void>; timing: { readMedia: number } } }).bench;
    await b.ready;
    b.prefetch.enabled = prefetch;
    const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    // Every frame on screen shows its image decoded (or a canvas); resolves with the time that
    // frame was painted. Checked in each animation frame (what the DOM holds then is what that frame
    // paints), the time taken in the task after it, once the paint is done.
    const painted = async (within: Element, step: number | null, t0: number) => {
      for (;;) {
        await new Promise((r) => requestAnimationFrame(r));
        // On screen: inside the window, and not scrolled out of its card's row of columns. Cards
        // are picked first: asking for the box of a frame in an off-screen card would force the
        // layout the page skips (content-visibility), ~140 ms the user never waits for.
        const cards = (within.matches('.rl-media-card') ? [within] : [...within.querySelectorAll('.rl-media-card')]).filter((c) => {
          const r = c.getBoundingClientRect();
          return r.bottom > 0 && r.top < innerHeight;
        });
        const frames = cards.flatMap((c) => [...c.querySelectorAll<HTMLElement>('.rl-media-frame')]).filter((f) => {
          const r = f.getBoundingClientRect();
          const row = f.closest('.rl-media-columns')!.getBoundingClientRect();
          return r.bottom > 0 && r.top < innerHeight && r.right > row.left && r.left < row.right;
        });
        const done = frames.length > 0 && cards.every((c) => c.querySelector('.rl-media-frame')) && frames.every((f) => f.dataset.shown !== undefined && f.dataset.shown === f.dataset.ref && (step === null || f.dataset.ref.endsWith(`:${step}`)));
        if (done) {
          await new Promise((r) => setTimeout(r, 0));
          return { ms: performance.now() - t0, frames: frames.length };
        }
        if (performance.now() - t0 > 20_000) {
          const f = frames.find((x) => x.dataset.shown !== x.dataset.ref);
          throw new Error(`not painted in 20 s: ${frames.length} frames on screen, e.g. ref ${f?.dataset.ref} shown ${f?.dataset.shown}: ${f?.innerHTML.slice(0, 200)}`);
        }
      }
    };
    const t0 = performance.now();
    let listed = 0;
    const loading = b.section.setRuns(b.runs).then(() => (listed = performance.now() - t0));
    const grid = await painted(b.section.element, null, t0);
    const readAtPaint = b.timing.readMedia;
    await loading;
    // Columns are built as cards near the screen: the grid's size is its cards' runs.
    const imageCards = [...b.section.element.querySelectorAll<HTMLElement>('.rl-media-kind-image')];
    const total = imageCards.reduce((n, c) => n + b.section.card(c.dataset.key!).runCount, 0);
    const built = imageCards.filter((c) => c.querySelector('.rl-media-col')).length;
    // The slider of the first card, from the newest step down to the first, one step at a time.
    const card = b.section.card('samples/000');
    const steps: number[] = [];
    for (let p = 8; p >= 0; p--) {
      const s0 = performance.now();
      card.moveTo(p);
      steps.push((await painted(card.element, card.step, s0)).ms);
    }
    // And back again: the images now come from the cache.
    const cached: number[] = [];
    for (let p = 1; p <= 9; p++) {
      const s0 = performance.now();
      card.moveTo(p);
      cached.push((await painted(card.element, card.step, s0)).ms);
    }
    // A user who looks at each step for 300 ms before the next (the second card, also on screen).
    const looked = b.section.card('samples/001');
    const paused: number[] = [];
    for (let p = 8; p >= 0; p--) {
      await new Promise((r) => setTimeout(r, 300));
      const s0 = performance.now();
      looked.moveTo(p);
      paused.push((await painted(looked.element, looked.step, s0)).ms);
    }
    const hist = b.section.card('weights');
    hist.element.scrollIntoView();
    await frame();
    const h0 = performance.now();
    hist.draw();
    const offset = performance.now() - h0;
    hist.setMode('distribution', false);
    const d0 = performance.now();
    hist.draw();
    const distribution = performance.now() - d0;
    return { prefetch, grid, listed, total, built, steps, cached, paused, offset, distribution, reads: readAtPaint, uptime: performance.now() };
  }, prefetch);
}
