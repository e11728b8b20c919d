import ArgumentParser
import AsyncPrimitives
import Foundation

/// Open-loop writes at a fixed rate (for latency at a given load, not throughput).
struct PacedWrites: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "paced", abstract: "PUTs at a fixed rate for a while.")

    @Option var url = "http://127.0.0.1:8080"
    @Option(help: "Writes per second.") var rate = 200
    @Option var seconds = 15
    @Option(help: "Distinct users written to.") var users = 256
    @Option(help: "Also write one line per write to this file: issued (Unix ms) latency_ms status.")
    var latenciesFile: String?

    func run() async throws {
        let client = UserServiceClient(baseURL: url)
        var ids: [String] = []
        for index in 0..<users { ids.append(try await client.create(index: 100_000 + index)) }
        let latencies = LatencyRecorder()
        let keepTimeline = latenciesFile != nil
        let clock = ContinuousClock()
        let start = clock.now
        let total = rate * seconds
        let interval = Duration.seconds(1) / rate
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<total {
                try? await clock.sleep(until: start + interval * index)
                let id = ids[index % ids.count]
                group.addTask {
                    let began = clock.now
                    let issued = Date()
                    let status = (try? await client.put(id: id, round: index)) ?? 0
                    if status == 200 { latencies.record(clock.now - began) } else { latencies.fail() }
                    if keepTimeline { latencies.note(issued: issued, took: clock.now - began, status: status) }
                }
            }
        }
        let elapsed = clock.now - start
        if let latenciesFile { try latencies.timelineText.write(toFile: latenciesFile, atomically: true, encoding: .utf8) }
        let seconds = elapsed.inSeconds
        print(String(format: "writes=%d failed=%d seconds=%.1f rate=%.0f p50_ms=%.1f p99_ms=%.1f",
                     latencies.count, latencies.failed, seconds, Double(latencies.count) / seconds, latencies.percentile(0.5), latencies.percentile(0.99)))
    }
}
