/**
 * A batch of a bulk load (one transaction) from its prepared units (the pieces the workers checked): the
 * first failure in file order refuses the whole batch; otherwise the units' rows are joined per collection,
 * with ids checked once across the whole batch (an id twice in one batch is refused, as the API does).
 */
import { TerraHubError } from '../../core/errors.ts';
import type { ItemRow, ItemRowGroup } from '../item-rows.ts';
import type { SeenProperty } from '../store.ts';
import { emptyStats, mergeStats, type LoadStats } from './load-stats.ts';
import type { Prepared } from './prepare.ts';

export interface Batch {
  groups: ItemRowGroup[];
  stats: Map<string, LoadStats>;
  items: number;
}

interface Joined {
  rows: ItemRow[];
  ids: Set<string>;
  properties: Map<string, SeenProperty['type']>;
}

/** Joins the units of one batch; throws the batch's first failure. `committed` is said in the message. */
export function joinUnits(units: Prepared[], committed: number): Batch {
  const fail = (code: TerraHubError['code'], message: string, details: Record<string, unknown>): never => {
    throw new TerraHubError(code, `${message} (${committed} items committed before this batch)`, {
      ...details,
      committed,
    });
  };
  const joined = new Map<string, Joined>();
  const stats = new Map<string, LoadStats>();
  let items = 0;
  for (const u of units) {
    if ('failure' in u) return fail(u.failure.code, u.failure.message, u.failure.details);
    for (const g of u.groups) {
      let j = joined.get(g.collection);
      if (!j) joined.set(g.collection, (j = { rows: [], ids: new Set(), properties: new Map() }));
      const lines = u.lines[g.collection] ?? [];
      g.rows.forEach((r, i) => {
        if (j.ids.has(r.id))
          fail('TH_STAC_INVALID_ITEM', `${u.file}:${lines[i]}: item "${r.id}" appears twice in the batch`, {
            line: lines[i],
          });
        j.ids.add(r.id);
        j.rows.push(r);
      });
      for (const [name, type] of g.properties) if (!j.properties.has(name)) j.properties.set(name, type);
    }
    for (const [cid, st] of Object.entries(u.stats))
      stats.set(cid, mergeStats(stats.get(cid) ?? emptyStats(), st));
    items += u.items;
  }
  const groups = [...joined].map(([collection, j]) => ({
    collection,
    rows: j.rows,
    properties: [...j.properties],
  }));
  return { groups, stats, items };
}
