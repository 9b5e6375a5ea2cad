/**
 * What the inspector hears and feels on each scan, so they need not look at the screen for every
 * pack: one high beep for a genuine code, two middle ones for a warning, three low ones for a bad
 * code (WebAudio, no sound file), and the matching vibration where the phone has one.
 */
export type Tone = 'good' | 'caution' | 'bad' | 'neutral';

let audio: AudioContext | null = null;

/** Browsers only start audio after a user gesture: call this from a click (start camera, check). */
export function unlockAudio(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume();
  } catch {
    audio = null;
  }
}

const PATTERN: Record<Tone, { freq: number; count: number; type: OscillatorType; vibrate: number[] }> = {
  good: { freq: 1046, count: 1, type: 'sine', vibrate: [80] },
  caution: { freq: 660, count: 2, type: 'triangle', vibrate: [120, 80, 120] },
  neutral: { freq: 660, count: 2, type: 'triangle', vibrate: [120, 80, 120] },
  bad: { freq: 330, count: 3, type: 'square', vibrate: [250, 100, 250, 100, 250] },
};

export function signal(tone: Tone): void {
  const p = PATTERN[tone];
  try {
    navigator.vibrate?.(p.vibrate);
  } catch {
    // no vibration motor or not allowed
  }
  if (!audio) return;
  try {
    const start = audio.currentTime + 0.01;
    for (let i = 0; i < p.count; i++) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = p.type;
      osc.frequency.value = p.freq;
      const t0 = start + i * 0.2;
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.25, t0 + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.14);
      osc.connect(gain).connect(audio.destination);
      osc.start(t0);
      osc.stop(t0 + 0.15);
    }
  } catch {
    // audio unavailable: the vibration and the screen still say it
  }
}
