export { CHUNK_PREFIX, MANIFEST_PREFIX, CONTENT_VERSION, chunkKey, manifestKey, chunkPosition, chunkRecord, PENDING_CHUNK_VERSION, COMMITTED_CHUNK_VERSION, isPendingChunk, claimedHash, contentProblem, isContentKey } from "./content-keys.js";
export { type FileManifest, MAX_CHUNK_SIZE, validateFileName, validateMediaType, validateFileId, validateManifest, canonicalManifestBytes, fileIdOf, decodeManifest, chunkRange } from "./manifest.js";
export { chunkStream } from "./chunker.js";
export { type ChunkTransport, type ChunkStoreResult, type CommitDelivery, recordChunkTransport } from "./chunk-transport.js";
export { ContentStore, guardContentRecords, defaultContentStoreOptions, type ContentStoreOptions, type CorruptionListener, type CommitResult, MAX_COMMIT_HASHES } from "./content-store.js";
export { replicaCandidates, placeReplicas, type PlacementResult } from "./replica-placement.js";
export { defaultFileOptions, resolveFileOptions, type FileOptions } from "./file-options.js";
export { FileService, type FileServiceComponents, type UploadedFile, type ChunkLocation, type ByteRange } from "./file-service.js";
export { createFileTestnet, type FileTestnet, type FilePeer } from "./file-testnet.js";
