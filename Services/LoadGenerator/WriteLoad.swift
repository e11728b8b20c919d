import ArgumentParser
import AsyncPrimitives
import Foundation

/// Closed-loop `PUT /users/{id}` from N concurrent clients, each on users of its own.
struct WriteLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "write", abstract: "PUT throughput and latency with N concurrent clients.")

    @Option var url = "http://127.0.0.1:8080"
    @Option var concurrency = 32
    @Option(help: "Users per client.") var usersPerClient = 4
    @Option(help: "Seconds to measure.") var seconds = 20

    func run() async throws {
        let client = UserServiceClient(baseURL: url)
        let ids = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<concurrency {
                group.addTask { try await (0..<usersPerClient).asyncMap { try await client.create(index: worker * 1000 + $0) } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        print("users created: \(ids.count * usersPerClient); warming up")
        let latencies = LatencyRecorder()
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .seconds(seconds)
        await withTaskGroup(of: Void.self) { group in
            for users in ids {
                group.addTask {
                    var round = 0
                    while clock.now < end {
                        round += 1
                        let began = clock.now
                        let status = (try? await client.put(id: users[round % users.count], round: round)) ?? 0
                        if status == 200 { latencies.record(clock.now - began) } else { latencies.fail() }
                    }
                }
            }
        }
        let elapsed = clock.now - start
        let seconds = elapsed.inSeconds
        print(String(format: "writes=%d failed=%d seconds=%.1f rate=%.0f p50_ms=%.1f p99_ms=%.1f",
                     latencies.count, latencies.failed, seconds, Double(latencies.count) / seconds, latencies.percentile(0.5), latencies.percentile(0.99)))
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
