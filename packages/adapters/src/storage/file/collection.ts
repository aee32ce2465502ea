import nedb from "@seald-io/nedb";
import { join } from "node:path";
import { StorageError } from "@relance/core";
import { createFileFlusher } from "./durability.js";

/** A stored document: the platform's field names, the key as nedb's `_id`. */
export type FileDocument = { _id: string } & Record<string, unknown>;

export type Query = Record<string, unknown>;

// nedb is CommonJS typed as `export default`: Node's default import is the class itself, which
// NodeNext types as the module object holding `default`.
const Datastore = nedb as unknown as typeof nedb.default;
type Datastore<T extends Record<string, unknown>> = InstanceType<typeof nedb.default<T>>;

export interface FindOptions {
  sort?: Record<string, 1 | -1>;
  limit?: number;
  projection?: Record<string, 0 | 1>;
}

export interface CollectionOptions {
  dataDir: string;
  fsync: boolean;
  /** Field lists of unique indexes; several fields make a compound index. */
  uniqueIndexes?: string[][];
  indexes?: string[];
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { errorType?: unknown }).errorType === "uniqueViolated";
}

/**
 * One nedb datastore (one `<name>.db` file) with the adapter's error wrapping and durability.
 * nedb runs its operations one at a time through its executor, so one `update` whose query holds
 * the conditions is a compare-and-set.
 */
export class Collection {
  readonly filename: string;
  private store: Datastore<FileDocument> | null = null;
  private readonly flushWrites: () => Promise<void>;

  constructor(
    readonly name: string,
    private readonly options: CollectionOptions,
  ) {
    this.filename = join(options.dataDir, `${name}.db`);
    this.flushWrites = createFileFlusher(this.filename);
  }

  get isOpen(): boolean {
    return this.store !== null;
  }

  async open(): Promise<void> {
    if (this.store) return;
    const store = new Datastore<FileDocument>({ filename: this.filename });
    await this.run("open", async () => {
      // Loading creates the directory and file when missing, and compacts the file.
      await store.loadDatabaseAsync();
      for (const fields of this.options.uniqueIndexes ?? []) await store.ensureIndexAsync({ fieldName: fields, unique: true });
      for (const field of this.options.indexes ?? []) await store.ensureIndexAsync({ fieldName: field });
    });
    this.store = store;
  }

  /** Rewrites the file without superseded lines. */
  async compact(): Promise<void> {
    const store = this.store;
    if (store) await this.run("compact", () => store.compactDatafileAsync());
  }

  async close(): Promise<void> {
    await this.compact();
    this.store = null;
  }

  async find(query: Query, options: FindOptions = {}): Promise<FileDocument[]> {
    const store = this.opened();
    return this.run("find", async () => {
      let cursor = store.findAsync(query, options.projection ?? {});
      if (options.sort) cursor = cursor.sort(options.sort);
      if (options.limit !== undefined) cursor = cursor.limit(options.limit);
      return (await cursor) as unknown as FileDocument[];
    });
  }

  async findOne(query: Query): Promise<FileDocument | null> {
    const store = this.opened();
    return this.run("findOne", async () => ((await store.findOneAsync(query)) as unknown as FileDocument | null) ?? null);
  }

  /** False when a unique index already holds the key. */
  async insert(doc: FileDocument): Promise<boolean> {
    const store = this.opened();
    try {
      await store.insertAsync(doc);
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw this.wrap("insert", error);
    }
    await this.durable();
    return true;
  }

  /** Updates the first document matching `query`; returns it as updated, or null. */
  async updateOne(query: Query, update: Query): Promise<FileDocument | null> {
    const store = this.opened();
    const { affectedDocuments } = await this.run("update", () =>
      store.updateAsync(query, update, { returnUpdatedDocs: true, multi: false }),
    );
    if (affectedDocuments) await this.durable();
    return (affectedDocuments as FileDocument | null) ?? null;
  }

  /** Updates every document matching `query`, in one executor step; returns how many. */
  async updateMany(query: Query, update: Query): Promise<number> {
    const store = this.opened();
    const { numAffected } = await this.run("update", () => store.updateAsync(query, update, { multi: true }));
    if (numAffected > 0) await this.durable();
    return numAffected;
  }

  /** Inserts `doc` or replaces the document with its `_id`; true when inserted. */
  async replaceOrInsert(doc: FileDocument): Promise<boolean> {
    const store = this.opened();
    const { upsert } = await this.run("upsert", () => store.updateAsync({ _id: doc._id }, doc, { upsert: true }));
    await this.durable();
    return upsert;
  }

  async remove(query: Query, multi = false): Promise<number> {
    const store = this.opened();
    const removed = await this.run("remove", () => store.removeAsync(query, { multi }));
    if (removed > 0) await this.durable();
    return removed;
  }

  private async durable(): Promise<void> {
    if (this.options.fsync) await this.run("fsync", this.flushWrites);
  }

  private opened(): Datastore<FileDocument> {
    if (!this.store) throw new StorageError(`[file] ${this.name}: storage is not open (call init, and not after close)`);
    return this.store;
  }

  private async run<T>(operation: string, task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (error) {
      throw this.wrap(operation, error);
    }
  }

  private wrap(operation: string, error: unknown): StorageError {
    if (error instanceof StorageError) return error;
    const reason = error instanceof Error ? error.message : String(error);
    return new StorageError(`[file] ${this.name} ${operation} failed: ${reason}`, error);
  }
}
