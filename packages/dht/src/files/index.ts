export { CHUNK_PREFIX, MANIFEST_PREFIX, CONTENT_VERSION, chunkKey, manifestKey, chunkPosition, chunkRecord, PENDING_CHUNK_VERSION, COMMITTED_CHUNK_VERSION, isPendingChunk, claimedHash, contentProblem, isContentKey } from "./content-keys.js";
export { type FileManifest, MAX_CHUNK_SIZE, validateFileName, validateMediaType, validateFileId, validateManifest, canonicalManifestBytes, fileIdOf, decodeManifest, chunkRange } from "./manifest.js";
export { chunkStream } from "./chunker.js";
export { ChunkStore, hashChunk, defaultChunkStoreOptions, resolveChunkStoreOptions, type ChunkStoreOptions, type CorruptionListener, MAX_COMMIT_HASHES } from "./chunk-store.js";
export { chunkRecords, manifestRecords } from "./content-records.js";
export { defaultFileOptions, resolveFileOptions, type FileOptions } from "./file-options.js";
export { FileService, type FileServiceComponents, type UploadedFile, type ChunkLocation, type ByteRange } from "./file-service.js";
