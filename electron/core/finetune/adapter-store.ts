// Versioned adapters per model in the library database: save a trained one, list them with their
// before/after metrics, activate one, roll back to the previous one or to none.

import type { Db } from '../library/database.js';
import type { AdapterParams } from './contrastive-loss.js';

export interface AdapterRecord {
  id: number;
  modelId: number;
  version: number;
  createdAt: number;
  dim: number;
  sides: { image: boolean; text: boolean };
  logitScale: number;
  settings: Record<string, unknown>;
  metrics: Record<string, unknown>;
  spaceModelId: number | null;
  active: boolean;
}

interface Row {
  id: number;
  model_id: number;
  version: number;
  created_at: number;
  dim: number;
  has_image: number;
  has_text: number;
  logit_scale: number;
  settings: string;
  metrics: string;
  space_model_id: number | null;
  active: number;
}

const f64Blob = (a: Float64Array | null): Buffer | null =>
  a ? Buffer.from(Float32Array.from(a).buffer) : null;

function blobF64(b: Buffer | null): Float64Array | null {
  if (!b) return null;
  const f = new Float32Array(b.byteLength / 4);
  new Uint8Array(f.buffer).set(b);
  return Float64Array.from(f);
}

export class AdapterError extends Error {
  override readonly name = 'AdapterError';
}

/** What an activation does to the model's activation history (see setActive). */
export type HistoryChange = 'push' | 'pop' | 'keep';

export class AdapterStore {
  constructor(readonly db: Db) {}

  private select(where: string): string {
    return `SELECT a.id, a.model_id, a.version, a.created_at, a.dim, a.image IS NOT NULL AS has_image,
      a.text IS NOT NULL AS has_text, a.logit_scale, a.settings, a.metrics, a.space_model_id,
      (SELECT COUNT(*) FROM active_adapters x WHERE x.adapter_id = a.id) AS active
      FROM adapters a WHERE ${where}`;
  }

  private toRecord(r: Row): AdapterRecord {
    return {
      id: r.id,
      modelId: r.model_id,
      version: r.version,
      createdAt: r.created_at,
      dim: r.dim,
      sides: { image: r.has_image === 1, text: r.has_text === 1 },
      logitScale: r.logit_scale,
      settings: JSON.parse(r.settings) as Record<string, unknown>,
      metrics: JSON.parse(r.metrics) as Record<string, unknown>,
      spaceModelId: r.space_model_id,
      active: r.active > 0,
    };
  }

  save(
    modelId: number,
    params: AdapterParams,
    settings: Record<string, unknown>,
    metrics: Record<string, unknown>,
  ): AdapterRecord {
    const version =
      ((this.db.prepare('SELECT MAX(version) FROM adapters WHERE model_id = ?').pluck().get(modelId) as
        number | null) ?? 0) + 1;
    const r = this.db
      .prepare(
        `INSERT INTO adapters (model_id, version, created_at, dim, image, text, logit_scale, settings, metrics)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        modelId,
        version,
        Date.now(),
        params.dim,
        f64Blob(params.image),
        f64Blob(params.text),
        Math.exp(params.logScale),
        JSON.stringify(settings),
        JSON.stringify(metrics),
      );
    return this.get(Number(r.lastInsertRowid)) as AdapterRecord;
  }

  get(id: number): AdapterRecord | undefined {
    const r = this.db.prepare(this.select('a.id = ?')).get(id) as Row | undefined;
    return r && this.toRecord(r);
  }

  byVersion(modelId: number, version: number): AdapterRecord | undefined {
    const r = this.db.prepare(this.select('a.model_id = ? AND a.version = ?')).get(modelId, version) as
      Row | undefined;
    return r && this.toRecord(r);
  }

  list(modelId: number): AdapterRecord[] {
    return (this.db.prepare(`${this.select('a.model_id = ?')} ORDER BY a.version`).all(modelId) as Row[]).map(
      (r) => this.toRecord(r),
    );
  }

  params(id: number): AdapterParams {
    const r = this.db.prepare('SELECT dim, image, text, logit_scale FROM adapters WHERE id = ?').get(id) as
      { dim: number; image: Buffer | null; text: Buffer | null; logit_scale: number } | undefined;
    if (!r) throw new AdapterError(`no adapter with id ${id}`);
    return { dim: r.dim, image: blobF64(r.image), text: blobF64(r.text), logScale: Math.log(r.logit_scale) };
  }

  active(modelId: number): AdapterRecord | undefined {
    const id = this.db
      .prepare('SELECT adapter_id FROM active_adapters WHERE model_id = ?')
      .pluck()
      .get(modelId) as number | undefined;
    return id === undefined ? undefined : this.get(id);
  }

  /**
   * Makes an adapter active (null: the plain model). An activation is remembered on the model's
   * history ('push'); a rollback takes the last activation off it ('pop'); reopening a library
   * changes nothing ('keep').
   */
  setActive(modelId: number, adapterId: number | null, history: HistoryChange = 'push'): void {
    this.db.transaction(() => {
      if (adapterId === null) this.db.prepare('DELETE FROM active_adapters WHERE model_id = ?').run(modelId);
      else
        this.db
          .prepare('INSERT OR REPLACE INTO active_adapters (model_id, adapter_id) VALUES (?, ?)')
          .run(modelId, adapterId);
      if (history === 'keep') return;
      if (history === 'push')
        this.db
          .prepare('INSERT INTO adapter_history (model_id, adapter_id, at) VALUES (?, ?, ?)')
          .run(modelId, adapterId, Date.now());
      else
        this.db
          .prepare(
            'DELETE FROM adapter_history WHERE id = (SELECT MAX(id) FROM adapter_history WHERE model_id = ?)',
          )
          .run(modelId);
    })();
  }

  /** The adapters activated for a model, oldest first (null: the plain model); the last is in use. */
  history(modelId: number): (number | null)[] {
    return this.db
      .prepare('SELECT adapter_id FROM adapter_history WHERE model_id = ? ORDER BY id')
      .pluck()
      .all(modelId) as (number | null)[];
  }

  setSpace(adapterId: number, spaceModelId: number): void {
    this.db.prepare('UPDATE adapters SET space_model_id = ? WHERE id = ?').run(spaceModelId, adapterId);
  }
}
