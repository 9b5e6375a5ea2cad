import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { drained } from './streams.ts';

/**
 * A ZIP archive written as a stream, entry by entry: stored, not deflated (PNGs are compressed
 * already), UTF-8 names, no ZIP64 — so at most 65,535 entries and 4 GiB, far above a label job's
 * limit. Only the central directory (about 70 bytes an entry) is kept until the end.
 * @see PKWARE APPNOTE.TXT 6.3.10 §4.3.7 (local header), §4.3.12 (central directory), §4.3.16 (end)
 */
export class ZipWriter {
  private offset = 0;
  private readonly central: Buffer[] = [];
  private entries = 0;
  private readonly time: number;
  private readonly date: number;

  constructor(
    private readonly out: Writable,
    modified = new Date(),
  ) {
    // MS-DOS date and time, local fields taken as UTC (the archive has no time zone).
    this.time =
      (modified.getUTCHours() << 11) | (modified.getUTCMinutes() << 5) | (modified.getUTCSeconds() >> 1);
    this.date =
      (Math.max(0, modified.getUTCFullYear() - 1980) << 9) |
      ((modified.getUTCMonth() + 1) << 5) |
      modified.getUTCDate();
  }

  async add(name: string, data: Buffer): Promise<void> {
    if (this.entries >= 0xffff) throw new RangeError('a ZIP without ZIP64 holds at most 65,535 entries');
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(0x0800, 6); // bit 11: names are UTF-8
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(this.time, 10);
    local.writeUInt16LE(this.date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // made by: 2.0, MS-DOS attributes
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(this.time, 12);
    central.writeUInt16LE(this.date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    // extra, comment, disk, internal and external attributes: 0
    central.writeUInt32LE(this.offset, 42);
    this.central.push(central, nameBytes);

    const size = local.length + nameBytes.length + data.length;
    if (this.offset + size > 0xffffffff) throw new RangeError('a ZIP without ZIP64 holds at most 4 GiB');
    await this.write(Buffer.concat([local, nameBytes, data]));
    this.offset += size;
    this.entries++;
  }

  /** Writes the central directory and ends `out`. */
  async finish(): Promise<void> {
    const dir = Buffer.concat(this.central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.entries, 8);
    end.writeUInt16LE(this.entries, 10);
    end.writeUInt32LE(dir.length, 12);
    end.writeUInt32LE(this.offset, 16);
    await this.write(Buffer.concat([dir, end]));
    this.out.end();
    if (!this.out.writableFinished) await once(this.out, 'finish');
  }

  private async write(chunk: Buffer): Promise<void> {
    if (this.out.destroyed) throw new Error('the output closed before the labels were written');
    if (!this.out.write(chunk)) await drained(this.out);
  }
}
