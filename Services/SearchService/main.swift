// search-service is not built yet: its consumer runtime, projections and API are the work of
// the consumers issue. Until then the executable only says so, and fails, so nothing mistakes
// it for a running service.
import Foundation

FileHandle.standardError.write(Data("search-service: not implemented yet (see README: consumers)\n".utf8))
exit(2)
