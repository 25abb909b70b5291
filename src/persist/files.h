#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace accumulator::persist {

// Thin wrappers over POSIX file calls that report errors as Status with the path and
// the system's reason ("No space left on device"), which is what an operator needs.

Result<std::string> ReadWholeFile(const std::string& path);
// Writes `data` to `path` so that after a crash the file is either absent or complete:
// write a temporary file, fsync it, rename it into place, fsync the directory.
Status WriteFileAtomically(const std::string& path, const std::string& data);
Status SyncDirectory(const std::string& dir);
// Creates the directory (and parents) if missing; kFailedPrecondition if impossible.
Status EnsureDirectory(const std::string& dir);
// Names of regular files in `dir`, sorted.
Result<std::vector<std::string>> ListFiles(const std::string& dir);
Status TruncateFile(const std::string& path, std::size_t size);
Status RemoveFile(const std::string& path);
// `op` failed on `path` with errno `error`, as a Status.
Status ErrnoStatus(const std::string& op, const std::string& path, int error);

}  // namespace accumulator::persist
