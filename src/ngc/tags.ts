// NGC tag names: "25.02-tf2-py3" → release 25.02, variant tf2-py3; ordering newest release first.

export interface NgcTag {
  readonly tag: string;
  /** "YY.MM", or "YY.MM.N" for NGC's rare point releases (20.03.1). */
  readonly release: string;
  readonly variant: string;
  /** Sort key: [year, month, point]. */
  readonly order: readonly [number, number, number];
}

const NGC_TAG = /^(\d{2})\.(\d{2})(?:\.(\d+))?-([A-Za-z0-9][A-Za-z0-9._-]*)$/;

export function parseNgcTag(tag: string): NgcTag | undefined {
  const m = NGC_TAG.exec(tag);
  if (!m) return undefined;
  const [, yy, mm, point, variant] = m;
  const month = Number(mm);
  if (month < 1 || month > 12) return undefined;
  return {
    tag,
    release: point ? `${yy}.${mm}.${point}` : `${yy}.${mm}`,
    variant: variant!,
    order: [Number(yy), month, point ? Number(point) : 0],
  };
}
