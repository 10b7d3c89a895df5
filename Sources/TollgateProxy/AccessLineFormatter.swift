import Foundation

/// Formats access-log records (SPEC §10) straight into bytes in a reused buffer: no String building, no
/// Foundation formatting, the date rendered by gmtime_r at most once a second. The access log was the
/// largest single cost per request before this (callgrind: 37% of all instructions, a third of it quoting).
/// Thread rule: one per worker; not shared.
struct AccessLineFormatter {
    /// The line being formatted (a copy of a formatter shares it: one formatter per worker, never copied).
    private let buffer = LineBuffer(capacity: 512)
    private var second = Int.min
    /// "YYYY-MM-DDTHH:MM:SS." for `second`.
    private var prefix: [UInt8] = []

    init() {}

    /// Formats `r` at wall-clock time `now` and hands the line (newline included) to `body`.
    mutating func format<T>(_ r: AccessRecord, now: timespec, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        buffer.reset()
        appendLiteral("{\"ts\":\"")
        appendTimestamp(now)
        appendLiteral("\",\"request_id\":")
        appendQuoted(r.requestID)
        appendLiteral(",\"client\":")
        appendQuoted(r.client)
        appendLiteral(",\"method\":")
        appendQuoted(r.method)
        appendLiteral(",\"path\":")
        appendQuoted(r.path)
        appendLiteral(",\"route\":")
        appendQuotedOrNull(r.route)
        appendLiteral(",\"account\":")
        appendQuotedOrNull(r.account)
        appendLiteral(",\"token_id\":")
        appendQuotedOrNull(r.tokenID)
        appendLiteral(",\"decision\":")
        appendQuoted(r.decision)
        appendLiteral(",\"status\":")
        appendInt(r.status)
        appendLiteral(",\"bytes_out\":")
        appendInt(Int(r.bytesOut))
        appendLiteral(",\"duration_ms\":")
        appendMilliseconds(r.durationMs)
        appendLiteral(",\"upstream_ms\":")
        if let up = r.upstreamMs { appendMilliseconds(up) } else { appendLiteral("null") }
        appendLiteral("}\n")
        return withExtendedLifetime(buffer) { body(buffer.bytes) }
    }

    private mutating func appendLiteral(_ s: StaticString) {
        buffer.append(s.utf8Start, s.utf8CodeUnitCount)
    }

    private mutating func appendQuotedOrNull(_ s: String?) {
        if let s { appendQuoted(s) } else { appendLiteral("null") }
    }

    /// `s` as a JSON string: `"` `\` and control characters escaped; other UTF-8 copied as is.
    mutating func appendQuoted(_ s: String) {
        buffer.append(UInt8(ascii: "\""))
        if s.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) == nil {
            Array(s.utf8).withUnsafeBufferPointer { appendEscaped($0) }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    /// The bytes of a JSON string's body: runs that need no escape are copied whole.
    private func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress else { return }
        var start = 0
        for i in 0..<bytes.count {
            let b = base[i]
            guard b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F else { continue }
            if start < i { buffer.append(base + start, i - start) }
            start = i + 1
            buffer.append(UInt8(ascii: "\\"))
            switch b {
            case 0x22: buffer.append(0x22)
            case 0x5C: buffer.append(0x5C)
            case 0x0A: buffer.append(UInt8(ascii: "n"))
            case 0x0D: buffer.append(UInt8(ascii: "r"))
            case 0x09: buffer.append(UInt8(ascii: "t"))
            default:
                buffer.append(UInt8(ascii: "u"))
                buffer.append(0x30)
                buffer.append(0x30)
                buffer.append(Self.hexDigit(b >> 4))
                buffer.append(Self.hexDigit(b & 15))
            }
        }
        if start < bytes.count { buffer.append(base + start, bytes.count - start) }
    }

    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 48 + v : 87 + v }

    mutating func appendInt(_ v: Int) {
        if v < 0 {
            buffer.append(UInt8(ascii: "-"))
            appendUnsigned(UInt(v.magnitude))
        } else {
            appendUnsigned(UInt(v))
        }
    }

    private mutating func appendUnsigned(_ v: UInt) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = v
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[19 - count] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
                count += 1
            } while n > 0
            buffer.append(d.baseAddress!.assumingMemoryBound(to: UInt8.self) + (20 - count), count)
        }
    }

    /// Milliseconds with up to three decimals, trailing zeros dropped but one kept (`0.188`, `1.0`, `12.5`).
    mutating func appendMilliseconds(_ v: Double) {
        guard v.isFinite, v >= 0, v < 1e15 else {
            appendLiteral("0.0")
            return
        }
        let thousandths = UInt((v * 1000).rounded())
        appendUnsigned(thousandths / 1000)
        buffer.append(UInt8(ascii: "."))
        var frac = thousandths % 1000
        var width = 3
        while width > 1 && frac % 10 == 0 {
            frac /= 10
            width -= 1
        }
        if width == 3 && frac < 100 { buffer.append(UInt8(ascii: "0")) }
        if width >= 2 && frac < 10 { buffer.append(UInt8(ascii: "0")) }
        appendUnsigned(frac)
    }

    /// RFC 3339 UTC with milliseconds; the part up to the seconds is cached for the current second.
    private mutating func appendTimestamp(_ now: timespec) {
        let sec = Int(now.tv_sec)
        if sec != second {
            second = sec
            var t = time_t(now.tv_sec)
            var parts = tm()
            gmtime_r(&t, &parts)
            prefix.removeAll(keepingCapacity: true)
            func two(_ v: Int32) {
                prefix.append(UInt8(ascii: "0") + UInt8(v / 10))
                prefix.append(UInt8(ascii: "0") + UInt8(v % 10))
            }
            let year = Int(parts.tm_year) + 1900
            for d in [year / 1000 % 10, year / 100 % 10, year / 10 % 10, year % 10] {
                prefix.append(UInt8(ascii: "0") + UInt8(d))
            }
            prefix.append(UInt8(ascii: "-"))
            two(parts.tm_mon + 1)
            prefix.append(UInt8(ascii: "-"))
            two(parts.tm_mday)
            prefix.append(UInt8(ascii: "T"))
            two(parts.tm_hour)
            prefix.append(UInt8(ascii: ":"))
            two(parts.tm_min)
            prefix.append(UInt8(ascii: ":"))
            two(parts.tm_sec)
            prefix.append(UInt8(ascii: "."))
        }
        prefix.withUnsafeBufferPointer { buffer.append($0.baseAddress!, $0.count) }
        let ms = Int(now.tv_nsec / 1_000_000)
        buffer.append(UInt8(ascii: "0") + UInt8(ms / 100))
        buffer.append(UInt8(ascii: "0") + UInt8(ms / 10 % 10))
        buffer.append(UInt8(ascii: "0") + UInt8(ms % 10))
        buffer.append(UInt8(ascii: "Z"))
    }
}

/// A growable byte buffer of its own memory (malloc/realloc): appending a run is one memcpy, a byte one store.
/// (`[UInt8].append(contentsOf:)` cost about 140 instructions per call here.)
final class LineBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        guard let p = malloc(self.capacity) else { fatalError("out of memory") }
        base = p.assumingMemoryBound(to: UInt8.self)
    }

    deinit { free(base) }

    /// Empties the buffer (the memory is kept).
    func reset() { count = 0 }

    /// The bytes written so far; valid until the next change.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    @inline(__always)
    func append(_ byte: UInt8) {
        if count == capacity { grow(count + 1) }
        base[count] = byte
        count += 1
    }

    @inline(__always)
    func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        if n > capacity - count { grow(count + n) }
        memcpy(base + count, p, n)
        count += n
    }

    private func grow(_ need: Int) {
        capacity = max(need, capacity * 2)
        guard let p = realloc(base, capacity) else { fatalError("out of memory") }
        base = p.assumingMemoryBound(to: UInt8.self)
    }
}
