// Strings in protobuf messages must arrive exactly as sent. protobuf-es decodes UTF-8 with a
// default TextDecoder, which drops a leading U+FEFF (byte-order mark) from every string field:
// a key "\ufeffkey" arrived at the replicas as "key" and overwrote another record. Every
// import of the generated code goes through here first (package.json exports), so every
// process that reads our messages keeps them whole.
import { configureTextEncoding } from "@bufbuild/protobuf/wire";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const strict = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true });

configureTextEncoding({
  encodeUtf8: (text) => encoder.encode(text),
  decodeUtf8: (bytes, isStrict) => (isStrict ? strict : decoder).decode(bytes),
  checkUtf8: (text) => {
    try {
      encodeURIComponent(text);
      return true;
    } catch {
      return false;
    }
  },
});
