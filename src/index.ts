// Library API for scripts and tests: the same functions the CLI commands call, returning data.

export { runPipeline, type PipelineOptions, type PipelineResult } from './pipeline.js';
export { readCapture, readCaptureStream, sniffFormat } from './capture/read.js';
export { decodeFrame } from './decode/index.js';
export { Reassembler } from './reassembly/reassembler.js';
export { createSmtpFactory } from './smtp/index.js';
export { sessions } from './commands/sessions.js';
export { replay } from './commands/replay.js';
export { info } from './commands/info.js';
export { InputError } from './capture/types.js';
export type * from './capture/types.js';
export type * from './decode/types.js';
export type * from './reassembly/types.js';
export type * from './smtp/types.js';
