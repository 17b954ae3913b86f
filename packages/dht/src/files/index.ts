export { CHUNK_PREFIX, MANIFEST_PREFIX, CONTENT_VERSION, chunkKey, manifestKey, chunkPosition, chunkRecord, claimedHash, contentProblem, isContentKey } from "./content-keys.js";
export { type FileManifest, MAX_CHUNK_SIZE, validateFileName, validateMediaType, validateFileId, validateManifest, canonicalManifestBytes, fileIdOf, decodeManifest, chunkRange } from "./manifest.js";
export { chunkStream } from "./chunker.js";
export { type ChunkTransport, type ChunkStoreResult, recordChunkTransport } from "./chunk-transport.js";
export { ContentStore, guardContentRecords, defaultContentStoreOptions, type ContentStoreOptions, type CorruptionListener } from "./content-store.js";
export { replicaCandidates, placeReplicas, type PlacementResult } from "./replica-placement.js";
export { defaultFileOptions, resolveFileOptions, type FileOptions } from "./file-options.js";
export { FileService, type FileServiceComponents, type UploadedFile, type ChunkLocation, type ByteRange } from "./file-service.js";
export { createFileTestnet, type FileTestnet, type FilePeer } from "./file-testnet.js";
