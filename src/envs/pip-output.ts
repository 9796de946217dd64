/**
 * Reading pip's output: which requirement it is working on (for progress), and, when it fails, which package
 * failed and why, so that the error a user sees names both instead of pip's whole log.
 */

/** The requirement a pip output line starts working on, or null. `Collecting numpy==2.4.6` -> `numpy==2.4.6`. */
export function collectingOf(line: string): string | null {
  const m = /^\s*Collecting (\S+)/.exec(line);
  return m ? m[1]! : null;
}

export interface PipFailure {
  /** The package (requirement as written) that failed, when pip's output says. */
  pkg: string | null;
  /** One-line reason, from pip's own error lines. */
  reason: string;
}

const PATTERNS: Array<[RegExp, (m: RegExpExecArray) => PipFailure]> = [
  [
    /No matching distribution found for (\S+)/,
    (m) => ({
      pkg: m[1]!,
      reason: 'no matching distribution found (wrong version, or none for this Python)',
    }),
  ],
  [
    /Failed (?:building wheel|to build) (?:for )?(\S+)/,
    (m) => ({ pkg: m[1]!, reason: 'building its wheel failed' }),
  ],
  [
    /THESE PACKAGES DO NOT MATCH THE HASHES.*?\n\s*(\S+)/s,
    (m) => ({ pkg: m[1]!, reason: 'the downloaded file does not match the hash in the lock file' }),
  ],
  [
    /Could not install packages due to an? (\w+Error): (.*)/,
    (m) => ({ pkg: null, reason: `${m[1]}: ${m[2]!.trim()}` }),
  ],
];

/**
 * Why a pip run failed, from its combined output. `current` is the requirement pip was collecting last,
 * used when the error lines do not name a package.
 */
export function explainPipFailure(output: string, current: string | null): PipFailure {
  for (const [re, make] of PATTERNS) {
    const m = re.exec(output);
    if (m) {
      const f = make(m);
      return { pkg: f.pkg ?? current, reason: f.reason };
    }
  }
  const errorLine = output
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^(ERROR|error):/.test(l));
  const reason = errorLine ? errorLine.replace(/^(ERROR|error):\s*/, '') : lastLines(output, 3);
  return { pkg: current, reason: reason || 'pip exited with an error and printed no reason' };
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' / ').trim();
}
