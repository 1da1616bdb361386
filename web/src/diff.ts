// Word-level difference of two texts (longest common subsequence), for
// highlighting what changed between two outputs.
export interface Piece {
  text: string;
  kind: 'same' | 'del' | 'ins';
}

const MAX_WORDS = 600;

export function wordDiff(a: string, b: string): { a: Piece[]; b: Piece[] } {
  const wa = a.split(/(\s+)/).filter((w) => w.length > 0);
  const wb = b.split(/(\s+)/).filter((w) => w.length > 0);
  if (wa.length > MAX_WORDS || wb.length > MAX_WORDS) {
    const same = a === b;
    return {
      a: [{ text: a, kind: same ? 'same' : 'del' }],
      b: [{ text: b, kind: same ? 'same' : 'ins' }],
    };
  }
  const n = wa.length,
    m = wb.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = wa[i] === wb[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const outA: Piece[] = [],
    outB: Piece[] = [];
  const push = (out: Piece[], text: string, kind: Piece['kind']) => {
    const lastPiece = out[out.length - 1];
    if (lastPiece && lastPiece.kind === kind) lastPiece.text += text;
    else out.push({ text, kind });
  };
  let i = 0,
    j = 0;
  while (i < n && j < m) {
    if (wa[i] === wb[j]) {
      push(outA, wa[i], 'same');
      push(outB, wb[j], 'same');
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      push(outA, wa[i++], 'del');
    } else {
      push(outB, wb[j++], 'ins');
    }
  }
  while (i < n) push(outA, wa[i++], 'del');
  while (j < m) push(outB, wb[j++], 'ins');
  return { a: outA, b: outB };
}
