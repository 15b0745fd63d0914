// The model catalogue as the first-run panel and Settings both show it: the models with whether each
// is present and in use, a download with its progress (models.progress events, kept by the app), a
// switch to another model, Cancel for either, and one plain-words problem line. One instance per
// panel; what the engine says lives in the app (modelProgress, modelSwitch), so both panels agree.

import type { EventData, Result } from '../../../electron/shared/api';
import { messageOf } from '../components/format';
import type { Transport } from './transport';

export type CatalogueModel = Result<'models.list'>[number];

/** What the catalogue reads from the app: the engine, and the last download and switch events. */
export interface ModelsHost {
  readonly transport: Transport;
  readonly modelProgress: EventData<'models.progress'> | null;
  readonly modelSwitch: EventData<'models.switch'> | null;
}

export class ModelCatalogue {
  #models = $state.raw<CatalogueModel[] | null>(null);
  #problem = $state<string | null>(null);
  /** The model whose Download or Use was just pressed, until the engine answers. */
  #asking = $state<string | null>(null);

  constructor(private readonly host: ModelsHost) {}

  get models(): CatalogueModel[] | null {
    return this.#models;
  }
  get problem(): string | null {
    return this.#problem;
  }
  get asking(): string | null {
    return this.#asking;
  }
  /** A download under way (downloading or verifying), or null. */
  get downloading(): EventData<'models.progress'> | null {
    const p = this.host.modelProgress;
    return p && (p.state === 'downloading' || p.state === 'verifying') ? p : null;
  }
  get downloadFailed(): EventData<'models.progress'> | null {
    const p = this.host.modelProgress;
    return p?.state === 'failed' ? p : null;
  }
  /** A switch to another model being indexed in the background, or null. */
  get switching(): EventData<'models.switch'> | null {
    const s = this.host.modelSwitch;
    return s?.state === 'indexing' ? s : null;
  }
  get switchFailed(): EventData<'models.switch'> | null {
    const s = this.host.modelSwitch;
    return s?.state === 'failed' ? s : null;
  }

  /** Lets go of the last problem (the user chose another model). */
  clearProblem(): void {
    this.#problem = null;
  }

  nameOf(id: string): string {
    return this.#models?.find((m) => m.id === id)?.name ?? id;
  }

  async load(): Promise<void> {
    try {
      this.#models = await this.host.transport.call('models.list', {});
    } catch (err) {
      this.#problem = messageOf(err);
    }
  }

  /** Starts downloading a model; true when it started. */
  async download(id: string): Promise<boolean> {
    return this.attempt(id, async () => {
      const { started } = await this.host.transport.call('models.download', { id });
      if (!started) this.#problem = 'Another download is running; wait for it or cancel it first.';
      return started;
    });
  }

  /**
   * Uses a downloaded model: with a library open the engine indexes the photos with it in the
   * background and keeps searching with the current one until that is done. True when it was taken.
   */
  async use(id: string): Promise<boolean> {
    const ok = await this.attempt(id, async () => {
      await this.host.transport.call('models.use', { id });
      return true;
    });
    await this.load();
    return ok;
  }

  /** Cancels the download or the switch under way (the engine runs one at a time). */
  async cancel(): Promise<void> {
    await this.attempt(null, async () => {
      await this.host.transport.call('models.cancel', {});
      return true;
    });
  }

  private async attempt(id: string | null, work: () => Promise<boolean>): Promise<boolean> {
    this.#problem = null;
    this.#asking = id;
    try {
      return await work();
    } catch (err) {
      this.#problem = messageOf(err);
      return false;
    } finally {
      this.#asking = null;
    }
  }
}
