/** Turns a zod failure into one message that names the field ("key: too long"). */
import { z } from "zod";

export function zodMessage(err: z.ZodError): string {
  const issue = err.issues[0];
  if (!issue) return "invalid input";
  return `${issue.path.join(".") || "body"}: ${issue.message}`;
}

/** Reads a JSON body of at most `maxBytes`; throws a named error otherwise. */
export async function readJson(req: Request, maxBytes: number): Promise<unknown> {
  const text = await req.text();
  if (Buffer.byteLength(text) > maxBytes) throw new Error(`body: larger than ${maxBytes} bytes`);
  try {
    return JSON.parse(text);
  } catch {
    throw new Error("body: not valid JSON");
  }
}

/** A peer as the controller knows it: its name ("peer-3") or its ID. */
export const peerRef = z.string().min(1, "must not be empty").max(128).regex(/^[A-Za-z0-9._-]+$/, "must be a peer name or ID");
