// The wa-sqlite package ships types for some of its example VFS modules only; these are the ones this app loads.
// Each exports a class with a static async `create(name, module, options?)`.
type WaSqliteVfsClass = { create(name: string, module: unknown, options?: unknown): Promise<SQLiteVFS> };

declare module '@journeyapps/wa-sqlite/src/examples/IDBMirrorVFS.js' {
  export const IDBMirrorVFS: WaSqliteVfsClass;
}
declare module '@journeyapps/wa-sqlite/src/examples/OPFSAnyContextVFS.js' {
  export const OPFSAnyContextVFS: WaSqliteVfsClass;
}
declare module '@journeyapps/wa-sqlite/src/examples/OPFSCoopSyncVFS.js' {
  export const OPFSCoopSyncVFS: WaSqliteVfsClass;
}
declare module '@journeyapps/wa-sqlite/src/examples/AccessHandlePoolVFS.js' {
  export const AccessHandlePoolVFS: WaSqliteVfsClass;
}
