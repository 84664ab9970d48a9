// A DNS stand-in for the end-to-end tests: answers TXT queries from an in-memory table over UDP
// and TCP on 127.0.0.1, so custom-domain verification never asks a real DNS server. The server
// under test is started with CARTWRIGHT_DNS_RESOLVER pointing here (playwright.config.ts); a test
// publishes a record with `publishTxt` and the next "Verify" finds it. Names without a record are
// NXDOMAIN; every other query type gets an empty answer.
import * as dgram from "node:dgram";
import * as net from "node:net";

export const dnsPort = Number(process.env.E2E_DNS_PORT ?? 3453);

const records = new Map<string, string[]>();

/** Publishes `values` as the TXT records of `name` (replacing earlier ones). */
export function publishTxt(name: string, values: string[]): void {
  records.set(name.toLowerCase().replace(/\.$/, ""), values);
}

/** The question's name and where the question ends (after QTYPE and QCLASS). */
function readQuestion(query: Buffer): { name: string; type: number; end: number } | null {
  let offset = 12;
  const labels: string[] = [];
  while (offset < query.length) {
    const length = query[offset];
    if (length === 0) {
      offset += 1;
      break;
    }
    if (length > 63 || offset + 1 + length > query.length) return null;
    labels.push(query.subarray(offset + 1, offset + 1 + length).toString("ascii"));
    offset += 1 + length;
  }
  if (offset + 4 > query.length) return null;
  return { name: labels.join(".").toLowerCase(), type: query.readUInt16BE(offset), end: offset + 4 };
}

/** The answer to one DNS query message, or null for a message that is no query. */
export function answer(query: Buffer): Buffer | null {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return null;
  const question = readQuestion(query);
  if (!question) return null;
  const values = records.get(question.name);
  const txt = question.type === 16 && values ? values : [];
  const answers = txt.map((value) => {
    const text = Buffer.from(value, "utf8");
    const rdata = Buffer.concat([Buffer.from([text.length]), text]);
    const head = Buffer.alloc(12);
    head.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    head.writeUInt16BE(16, 2); // TXT
    head.writeUInt16BE(1, 4); // IN
    head.writeUInt32BE(0, 6); // TTL 0: never cached
    head.writeUInt16BE(rdata.length, 10);
    return Buffer.concat([head, rdata]);
  });
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // the query's id
  const recursionDesired = query[2] & 0x01;
  header[2] = 0x84 | recursionDesired; // a response, authoritative
  header[3] = values ? 0 : 3; // NOERROR, or NXDOMAIN for an unknown name
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, query.subarray(12, question.end), ...answers]);
}

/** Starts the stand-in on `dnsPort`; resolves once both transports listen. */
export async function startDnsStandIn(): Promise<() => Promise<void>> {
  const udp = dgram.createSocket("udp4");
  udp.on("message", (message, peer) => {
    const reply = answer(message);
    if (reply) udp.send(reply, peer.port, peer.address);
  });
  const tcp = net.createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const message = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + message.length);
        const reply = answer(message);
        if (reply) {
          const length = Buffer.alloc(2);
          length.writeUInt16BE(reply.length, 0);
          socket.write(Buffer.concat([length, reply]));
        }
      }
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => udp.bind(dnsPort, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => tcp.listen(dnsPort, "127.0.0.1", resolve));
  return async () => {
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
  };
}
