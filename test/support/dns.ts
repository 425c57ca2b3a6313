// A tiny authoritative DNS server on 127.0.0.1 (UDP) answering SRV queries from a table, so that -srv-domain /
// -srv-record are tested through a real resolver (c-ares via node:dns) instead of a mock.

import { createSocket } from 'node:dgram';

export interface SrvAnswer {
  readonly target: string;
  readonly port: number;
  readonly priority?: number;
  readonly weight?: number;
}

function encodeName(name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.').filter((l) => l !== '');
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([Buffer.byteLength(l)]), Buffer.from(l)])), Buffer.from([0])]);
}

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  for (;;) {
    const len = msg[i] ?? 0;
    if (len === 0) return { name: `${labels.join('.')}.`, end: i + 1 };
    labels.push(msg.subarray(i + 1, i + 1 + len).toString());
    i += 1 + len;
  }
}

/** Start the server; `records` maps a fully qualified name ("_etcd._tcp.example.test.") to its SRV answers. */
export async function startSrvDns(records: Record<string, readonly SrvAnswer[]>): Promise<{ server: string; stop(): Promise<void> }> {
  const sock = createSocket('udp4');
  sock.on('message', (msg, rinfo) => {
    const { name, end } = readName(msg, 12);
    const qtype = msg.readUInt16BE(end);
    const question = msg.subarray(12, end + 4);
    const answers = qtype === 33 ? (records[name.toLowerCase()] ?? []) : [];
    const header = Buffer.alloc(12);
    msg.copy(header, 0, 0, 2); // id
    header.writeUInt16BE(answers.length > 0 ? 0x8580 : 0x8583, 2); // response, authoritative; NXDOMAIN when none
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    const rrs = answers.map((a) => {
      const target = encodeName(a.target);
      const rdata = Buffer.alloc(6);
      rdata.writeUInt16BE(a.priority ?? 10, 0);
      rdata.writeUInt16BE(a.weight ?? 10, 2);
      rdata.writeUInt16BE(a.port, 4);
      const fixed = Buffer.alloc(12);
      fixed.writeUInt16BE(0xc00c, 0); // name: pointer to the question
      fixed.writeUInt16BE(33, 2);
      fixed.writeUInt16BE(1, 4);
      fixed.writeUInt32BE(60, 6);
      fixed.writeUInt16BE(rdata.length + target.length, 10);
      return Buffer.concat([fixed, rdata, target]);
    });
    sock.send(Buffer.concat([header, question, ...rrs]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const port = sock.address().port;
  return {
    server: `127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
}
