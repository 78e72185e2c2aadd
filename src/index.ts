/**
 * Bounce's library API. Launchers: buildLauncher / writeLauncher (build.ts), readLauncher
 * (ours, read.ts) and inspectPath (every format: inspect.ts with formats/*.ts); Python:
 * buildPythonLauncher, installEntryPoints, the entry-point script and entry_points.txt; Windows command lines (cmdline.ts); the CRT fd block codec (fdblock.ts).
 */
export * from './errors.js';
export { buildLauncher, writeLauncher, type LauncherSpec } from './build.js';
export { readLauncher, readBounceLauncher, type LauncherInfo, type BounceLauncherInfo, type UnknownFileInfo } from './read.js';
export { inspectBytes, inspectPath, expandPaths, launcherCandidates, type InspectReport, type Launcher, type BounceLauncher, type UnknownFile } from './inspect.js';
export type { ForeignLauncher, ForeignKind, LauncherFormat } from './formats/types.js';
export { relocate, mapPrefix, type RelocateOptions, type RelocateResult, type RelocateStatus } from './relocate.js';
export { convert, type ConvertOptions, type ConvertResult, type ConvertStatus } from './convert.js';
export { readUv, retargetUv, readUvTrailer, retargetUvTrailer } from './formats/uv.js';
export { readDistlib, retargetDistlib } from './formats/distlib.js';
export { readPosy } from './formats/posy.js';
export { readSetuptools, retargetSetuptools, parseSetuptoolsEntryScript } from './formats/setuptools.js';
export { readBun, retargetBun, decodeBunx } from './formats/bun.js';
export { readScoop, retargetScoop, decodeScoopShim } from './formats/scoop.js';
export { readCmdShim, retargetCmdShim, decodeCmdShim } from './formats/cmdshim.js';
export { decodePayload, encodePayload, PayloadFlag, type LauncherKind, type Payload } from './payload.js';
export { ARCHES, STUB_DIR, stubPath, type Arch } from './stubs.js';
export { quoteArg, joinArgs, argv0End, splitMsvc, splitCommandLineToArgvW } from './cmdline.js';
export { FdFlag, encodeFdBlock, encodeRawFdBlock, decodeFdBlock, handlesToClose, type FdEntry } from './fdblock.js';
export { encodeZip, decodeZip, crc32, type ZipEntry } from './zip.js';
export { writeFileAtomic, writeFileAtomicSync, writeFilesAtomic } from './atomic.js';
export type { AtomicFile, AtomicWriteOptions, BatchWriteOptions } from './atomic.js';
export { isAbsoluteWindowsPath } from './winpath.js';
export { buildPythonLauncher, pythonLauncherSpec, type PythonLauncherOptions } from './python/launcher.js';
export { installEntryPoints, guiInterpreter, type InstallOptions, type InstalledLauncher } from './python/install.js';
export { parseEntryPoints, parseEntryPointSpec, type EntryPoint } from './python/entrypoints.js';
export { entryPointScript, parseEntryPointScript } from './python/script.js';
