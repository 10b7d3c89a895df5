import Foundation

/// The `X-Request-Id` rules (SPEC section 6).
public enum RequestID {
    /// True when a client's id may be kept: 1-128 characters of `[A-Za-z0-9._-]`.
    public static func isAcceptable(_ id: String) -> Bool {
        let bytes = id.utf8
        guard !bytes.isEmpty, bytes.count <= 128 else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }

    /// A new id: 128 random bits as 32 lower-case hex characters. Safe to call from any thread.
    public static func generate() -> String {
        let (high, low) = pool.withLock { $0.next128() }
        return String(unsafeUninitializedCapacity: 32) { buffer in
            for index in 0..<16 {
                buffer[index] = digits[Int(high >> UInt64(60 - 4 * index) & 0xf)]
                buffer[16 + index] = digits[Int(low >> UInt64(60 - 4 * index) & 0xf)]
            }
            return 32
        }
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Kernel randomness fetched 4 KiB at a time: one read of /dev/urandom per 256 ids instead of two
    /// getrandom(2) calls per id.
    private static let pool = Locked(RandomPool())
}

/// A buffer of bytes from the kernel's CSPRNG (/dev/urandom), handed out in order and never reused.
struct RandomPool {
    private var bytes = [UInt64](repeating: 0, count: 512)
    private var next = 512

    mutating func next128() -> (UInt64, UInt64) {
        if next + 2 > bytes.count { refill() }
        defer { next += 2 }
        return (bytes[next], bytes[next + 1])
    }

    private mutating func refill() {
        let fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        let filled = fd >= 0 && bytes.withUnsafeMutableBytes { raw -> Bool in
            var off = 0
            while off < raw.count {
                let n = read(fd, raw.baseAddress! + off, raw.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return false }
                off += n
            }
            return true
        }
        if fd >= 0 { close(fd) }
        if !filled {
            // No /dev/urandom (a bare chroot): the standard library's generator (getrandom per call).
            var generator = SystemRandomNumberGenerator()
            for i in bytes.indices { bytes[i] = generator.next() }
        }
        next = 0
    }
}
