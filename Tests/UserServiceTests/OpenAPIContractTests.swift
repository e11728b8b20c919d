import Foundation
import HTTPSupport
import NIOCore
import Testing
import TestSupport
@testable import UserService

/// openapi.yaml against the server's own rules, with the Python tools
/// `openapi-spec-validator` and `openapi-schema-validator` (skipped when they are not installed).
@Suite("openapi.yaml is valid and states the server's input rules")
struct OpenAPIContractTests {
    static let specPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("openapi.yaml").path

    static let toolsInstalled = (try? python(["-c", "import openapi_spec_validator, openapi_schema_validator, yaml"]).status) == 0

    /// Runs `python3 arguments…` with `input` on standard input.
    static func python(_ arguments: [String], input: Data = Data()) throws -> (status: Int32, output: String) {
        try ExternalTool("python3", package: "python3").run(arguments, input: input)
    }

    @Test(.enabled(if: toolsInstalled, "openapi-spec-validator is not installed"))
    func theSpecIsValidOpenAPI() throws {
        let result = try Self.python(["-m", "openapi_spec_validator", Self.specPath])
        #expect(result.status == 0, "\(result.output)")
    }

    /// One value checked both by the schema and by the server.
    struct Sample: Encodable {
        var kind: String // input, patch or key
        var value: JSONSample
    }

    enum JSONSample: Encodable {
        case object([String: String?])
        case string(String)

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .object(let members): try container.encode(members)
            case .string(let string): try container.encode(string)
            }
        }
    }

    static let names = [
        "Ada", "Zoë", "漢字", "🧑🏽‍💻", "a b", " Ada ", " \u{301}", "\u{A0}x",
        "", " ", "\u{3000}", "\t", "A\u{7}", "A\n", "A\r\nB", "A\u{2028}B", "\u{FEFF}Ada", "A\u{85}", "\u{1F}",
        String(repeating: "a", count: 200), String(repeating: "a", count: 201),
    ]
    static let emails = [
        "ada@example.com", "o'brien+tag@mail.example.co", "A.B-C_d@sub-domain.example.org", "x@1.io",
        "!#$%&'*+/=?^_`{|}~-@example.com", String(repeating: "l", count: 64) + "@example.com",
        "a@" + String(repeating: "d", count: 63) + ".com",
        "plain", "@example.com", "ada@", "ada@example", "a b@example.com", "ada@@example.com", "ada@-bad.com", "ada@bad-.com",
        ".ada@example.com", "ada.@example.com", "ada..x@example.com", "adá@example.com", "ada@example.c0m", "ada@exa_mple.com",
        String(repeating: "l", count: 65) + "@example.com", "a@" + String(repeating: "d", count: 64) + ".com",
        "a@" + String(repeating: "abcdefghi.", count: 25) + "com", "a\t@example.com",
        // Not "ada@example.com\n": Python's `$` also matches before a final newline; ECMA-262's,
        // which OpenAPI specifies, does not.
    ]
    static let bios: [String?] = [
        nil, "", "math", "two\nlines\r\nand\ta tab", "漢字 😀", String(repeating: "b", count: 2000),
        "bell \u{7}", "nul \u{0}", "\u{2029}", "\u{FEFF}", "\u{9F}", "\u{B}", String(repeating: "b", count: 2001),
    ]
    static let keys = [
        "k", "key-1", "7f1c", "with spaces ok", "~!@#$%^&*()", String(repeating: "k", count: 255),
        "", String(repeating: "k", count: 256), "tab\there", "é", "\u{7F}",
    ]

    static func serverAccepts(_ sample: Sample) -> Bool {
        switch (sample.kind, sample.value) {
        case ("key", .string(let key)):
            return (try? IdempotencyKeys.validate(key)) != nil
        case (let kind, .object):
            let body = ByteBuffer(bytes: try! JSONEncoder().encode(sample.value))
            return kind == "input" ? (try? ProfileInput(body: body)) != nil : (try? ProfilePatch(body: body)) != nil
        default:
            return false
        }
    }

    @Test(.enabled(if: toolsInstalled, "openapi-schema-validator is not installed"))
    func theSchemasAcceptExactlyWhatTheServerAccepts() throws {
        var samples: [Sample] = []
        for name in Self.names {
            samples.append(Sample(kind: "input", value: .object(["name": name, "email": "ada@example.com"])))
            samples.append(Sample(kind: "patch", value: .object(["name": name])))
        }
        for email in Self.emails {
            samples.append(Sample(kind: "input", value: .object(["name": "Ada", "email": email])))
            samples.append(Sample(kind: "patch", value: .object(["email": email])))
        }
        for bio in Self.bios {
            samples.append(Sample(kind: "input", value: .object(["name": "Ada", "email": "ada@example.com", "bio": bio])))
            samples.append(Sample(kind: "patch", value: .object(["bio": bio])))
        }
        samples += Self.keys.map { Sample(kind: "key", value: .string($0)) }

        let script = """
            import json, sys, yaml
            from openapi_schema_validator import OAS30Validator
            spec = yaml.safe_load(open(sys.argv[1]))
            def resolve(schema):
                if isinstance(schema, dict):
                    if "$ref" in schema:
                        node = spec
                        for part in schema["$ref"].lstrip("#/").split("/"):
                            node = node[part]
                        return resolve(node)
                    return {key: resolve(value) for key, value in schema.items()}
                if isinstance(schema, list):
                    return [resolve(item) for item in schema]
                return schema
            targets = {
                "input": resolve(spec["components"]["schemas"]["ProfileInput"]),
                "patch": resolve(spec["components"]["schemas"]["ProfilePatch"]),
                "key": resolve(spec["components"]["parameters"]["IdempotencyKey"]["schema"]),
            }
            print(json.dumps([OAS30Validator(targets[s["kind"]]).is_valid(s["value"]) for s in json.load(sys.stdin)]))
            """
        let result = try Self.python(["-c", script, Self.specPath], input: try JSONEncoder().encode(samples))
        #expect(result.status == 0, "\(result.output)")
        let schemaValid = try JSONDecoder().decode([Bool].self, from: Data(result.output.utf8))
        try #require(schemaValid.count == samples.count)
        for (sample, valid) in zip(samples, schemaValid) {
            let accepted = Self.serverAccepts(sample)
            let shown = String(decoding: try JSONEncoder().encode(sample.value), as: UTF8.self)
            #expect(valid == accepted, "\(sample.kind) \(shown): schema says \(valid ? "valid" : "invalid"), server \(accepted ? "accepts" : "refuses")")
        }
    }
}
