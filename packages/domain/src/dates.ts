/**
 * Calendar dates as ISO `YYYY-MM-DD` strings.
 *
 * Legal dates in OCOP (decision dates, validity ends, production dates) are calendar days in
 * Vietnam, not instants. Keeping them as plain strings avoids the classic bug where a `Date` at
 * UTC midnight shows up as the previous day in another time zone. All arithmetic here works on a
 * day number (days since 1970-01-01 in the proleptic Gregorian calendar), so it is exact, needs no
 * time-zone database and behaves the same in Node and in the browser.
 */

/** A calendar date, `YYYY-MM-DD`. Only a naming aid: use {@link isIsoDate} to check a value. */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Asia/Ho_Chi_Minh is UTC+07:00 all year: Vietnam has not observed daylight saving since 1975. */
export const VIETNAM_UTC_OFFSET_MINUTES = 7 * 60;

const MS_PER_DAY = 86_400_000;

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Number of days in month `m` (1-12) of year `y`. */
export function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeapYear(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

interface Ymd {
  y: number;
  m: number;
  d: number;
}

/** Dates parsed before: the same few dates (validity, production, best-before) recur in every check. */
const parsedDates = new Map<string, Readonly<Ymd> | null>();

function parse(date: string): Readonly<Ymd> | null {
  const known = parsedDates.get(date);
  if (known !== undefined) return known;
  const match = ISO_DATE.exec(date);
  let ymd: Readonly<Ymd> | null = null;
  if (match) {
    const y = Number(match[1]);
    const m = Number(match[2]);
    const d = Number(match[3]);
    if (y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m)) ymd = Object.freeze({ y, m, d });
  }
  if (date.length === 10) {
    if (parsedDates.size >= 4096) parsedDates.clear();
    parsedDates.set(date, ymd);
  }
  return ymd;
}

function parseOrThrow(date: string): Readonly<Ymd> {
  const ymd = parse(date);
  if (!ymd) throw new RangeError(`Not an ISO calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return ymd;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function format({ y, m, d }: Ymd): IsoDate {
  if (y < 1 || y > 9999) throw new RangeError(`Year out of range 0001-9999: ${y}`);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
}

// Days since 1970-01-01 and back, after Howard Hinnant's "days_from_civil" / "civil_from_days".
// Pure integer arithmetic: no Date object, so no time zone can shift the result.
function toDayNumber({ y, m, d }: Ymd): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function fromDayNumber(n: number): Ymd {
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return { y, m, d };
}

/**
 * True for a real calendar day written `YYYY-MM-DD` (so `2023-02-29` is false). Narrows `unknown`
 * to a string; on a value already typed `string` it is a plain boolean, so the false branch is not
 * narrowed to `never`.
 */
export function isIsoDate(s: string): boolean;
export function isIsoDate(s: unknown): s is IsoDate;
export function isIsoDate(s: unknown): boolean {
  return typeof s === 'string' && parse(s) !== null;
}

/**
 * Adds `n` calendar months (negative to go back). When the target month is shorter, the day is
 * clamped to its last day: 2023-08-31 + 36 = 2026-08-31, 2024-02-29 + 12 = 2025-02-28. This is
 * also how a period "counted in months" ends under the Civil Code.
 * @see Bộ luật Dân sự 91/2015/QH13, Điều 148 khoản 3 ("nếu tháng kết thúc thời hạn không có ngày
 *   tương ứng thì thời hạn kết thúc vào ngày cuối cùng của tháng đó")
 * @throws RangeError when `date` is not an ISO date or `n` is not an integer.
 */
export function addMonths(date: IsoDate, n: number): IsoDate {
  if (!Number.isInteger(n)) throw new RangeError(`Months must be an integer: ${n}`);
  const { y, m, d } = parseOrThrow(date);
  const index = y * 12 + (m - 1) + n;
  const ny = Math.floor(index / 12);
  const nm = index - ny * 12 + 1;
  return format({ y: ny, m: nm, d: Math.min(d, daysInMonth(ny, nm)) });
}

/**
 * Adds `n` days (negative to go back).
 * @throws RangeError when `date` is not an ISO date or `n` is not an integer.
 */
export function addDays(date: IsoDate, n: number): IsoDate {
  if (!Number.isInteger(n)) throw new RangeError(`Days must be an integer: ${n}`);
  return format(fromDayNumber(toDayNumber(parseOrThrow(date)) + n));
}

/**
 * -1 if `a` is before `b`, 0 if the same day, 1 if after (usable as an `Array.sort` comparator).
 * @throws RangeError when either value is not an ISO date.
 */
export function compareDates(a: IsoDate, b: IsoDate): -1 | 0 | 1 {
  parseOrThrow(a);
  parseOrThrow(b);
  // Zero-padded ISO dates sort lexicographically in calendar order.
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Signed number of days from `a` to `b`: `daysBetween('2025-01-01', '2025-01-31') === 30`, and
 * negative when `b` is before `a`. `addDays(a, daysBetween(a, b)) === b`.
 * @throws RangeError when either value is not an ISO date.
 */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return toDayNumber(parseOrThrow(b)) - toDayNumber(parseOrThrow(a));
}

/** The earlier of two dates. */
export function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return compareDates(a, b) <= 0 ? a : b;
}

/** The later of two dates. */
export function maxDate(a: IsoDate, b: IsoDate): IsoDate {
  return compareDates(a, b) >= 0 ? a : b;
}

/**
 * True when `from <= date <= to`; `to === null` means open-ended. Both ends are inclusive, which
 * is how every effective-dated record in this package is stored (last valid day, not the day after).
 */
export function isWithin(date: IsoDate, from: IsoDate, to: IsoDate | null): boolean {
  return compareDates(date, from) >= 0 && (to === null || compareDates(date, to) <= 0);
}

/** The last day and second formatted by todayInVietnam and isoInstant. */
let lastDay = { number: NaN, text: '' as IsoDate };
let lastSecond = { number: NaN, text: '' };

/**
 * The calendar day in Vietnam at instant `now`. Computed by the fixed +07:00 offset rather than
 * `Intl`, so it does not depend on the ICU data a browser or Node build ships with.
 * @throws RangeError for an invalid `Date`.
 */
export function todayInVietnam(now: Date): IsoDate {
  const ms = now.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('Invalid Date');
  const day = Math.floor((ms + VIETNAM_UTC_OFFSET_MINUTES * 60_000) / MS_PER_DAY);
  // Asked on every scan: the day is formatted once.
  if (day !== lastDay.number) lastDay = { number: day, text: format(fromDayNumber(day)) };
  return lastDay.text;
}

/**
 * `instant.toISOString()`, for less: everything up to the milliseconds is formatted once a second
 * (a verification states its time, and `toISOString` was a visible part of answering one).
 * @throws RangeError for an invalid `Date`, as `toISOString` does.
 */
export function isoInstant(instant: Date): string {
  const ms = instant.getTime();
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond.number) {
    // 'YYYY-MM-DDTHH:MM:SS.' (or the extended years' form), whatever the milliseconds.
    lastSecond = { number: second, text: new Date(second * 1000).toISOString().slice(0, -4) };
  }
  const milli = ms - second * 1000;
  return `${lastSecond.text}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/**
 * The Vietnamese calendar day of a stored value that is either already a date (`2025-07-01`) or
 * an ISO timestamp with an offset (`2025-06-30T18:30:00Z` → `2025-07-01`). Lets rules accept a
 * `revokedAt` column whichever way the database returns it. Returns null for anything else.
 */
export function vietnamDateOf(value: string): IsoDate | null {
  if (isIsoDate(value)) return value;
  // A timestamp without an offset would be read in the host's zone: refuse it as ambiguous.
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(value);
  if (!match) return null;
  // ECMAScript only promises to parse milliseconds; PostgreSQL prints microseconds. Truncate.
  const fraction = match[2] === undefined ? '' : `.${match[2].slice(0, 3).padEnd(3, '0')}`;
  const ms = Date.parse(`${match[1]}${fraction}${match[3]}`);
  return Number.isFinite(ms) ? todayInVietnam(new Date(ms)) : null;
}
