const UNSETTLED = 0;
const SETTLED = 1;
/** Taken back out of the buffer at close: on disk still, for the next process. */
const RETURNED = 2;

interface ReadRecord<Tag> {
  readonly start: number;
  readonly end: number;
  readonly tag: Tag | undefined;
  state: number;
}

/**
 * The records a spool handed to the buffer, in file order, until they
 * settle. Records settle out of order (types batch separately, dead-letter
 * writes take their time), so the spool may only store as its restart
 * point the start of the oldest record not settled yet: the frontier.
 * Each record is named by its sequence number, counted from 0 in read order.
 */
export function createReadLog<Tag>() {
  let items: ReadRecord<Tag>[] = [];
  let head = 0;
  /** Sequence number of `items[head]`. */
  let headSeq = 0;

  function at(seq: number): ReadRecord<Tag> | undefined {
    return seq >= headSeq ? items[head + seq - headSeq] : undefined;
  }

  return {
    /** Records not settled, or settled behind one that is not. */
    get length(): number {
      return items.length - head;
    },
    /** The sequence number the next `push` gets. */
    get nextSeq(): number {
      return headSeq + items.length - head;
    },
    push(start: number, end: number, tag: Tag | undefined): number {
      items.push({ start, end, tag, state: UNSETTLED });
      return headSeq + items.length - head - 1;
    },
    /** Marks a record settled (again: ignored); returns how many records the frontier moved past. */
    settle(seq: number): number {
      const r = at(seq);
      if (r === undefined || r.state !== UNSETTLED) return 0;
      r.state = SETTLED;
      let moved = 0;
      while (head < items.length && items[head]!.state === SETTLED) {
        head++;
        headSeq++;
        moved++;
      }
      if (head > 1024 && head * 2 > items.length) {
        items = items.slice(head);
        head = 0;
      }
      return moved;
    },
    /** A record goes back to the spool unsent: the frontier stops at it for good. False when it had settled. */
    giveBack(seq: number): boolean {
      const r = at(seq);
      if (r === undefined || r.state !== UNSETTLED) return false;
      r.state = RETURNED;
      return true;
    },
    /** Start of the oldest record not settled; undefined when every record read has settled. */
    frontier(): number | undefined {
      return items[head]?.start;
    },
    /** Tags of the records given back, oldest first. */
    returned(): (Tag | undefined)[] {
      const out: (Tag | undefined)[] = [];
      for (let i = head; i < items.length; i++) if (items[i]!.state === RETURNED) out.push(items[i]!.tag);
      return out;
    },
  };
}
