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
        let (high, low) = RandomPool.local.next128()
        return String(unsafeUninitializedCapacity: 32) { buffer in
            // Arithmetic rather than a table: no global to reach and no bounds check per digit.
            @inline(__always) func hex(_ nibble: UInt64) -> UInt8 {
                let n = UInt8(truncatingIfNeeded: nibble & 0xf)
                return n < 10 ? 48 &+ n : 87 &+ n
            }
            guard let base = buffer.baseAddress else { return 0 }
            for index in 0..<16 {
                let shift = UInt64(60 - 4 * index)
                base[index] = hex(high >> shift)
                base[16 + index] = hex(low >> shift)
            }
            return 32
        }
    }

}

/// A buffer of bytes from the kernel's CSPRNG (/dev/urandom, kept open), fetched 4 KiB at a time (one read per
/// 256 ids instead of two getrandom(2) calls per id), handed out in order and never reused. One per thread
/// (`local`): a request id costs no lock and no cache line shared between workers.
final class RandomPool {
    private var bytes = [UInt64](repeating: 0, count: 512)
    private var next = 512

    /// The calling thread's pool, made on its first use and freed with the thread.
    static var local: RandomPool {
        if let p = pthread_getspecific(key) { return Unmanaged<RandomPool>.fromOpaque(p).takeUnretainedValue() }
        let pool = RandomPool()
        pthread_setspecific(key, Unmanaged.passRetained(pool).toOpaque())
        return pool
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { p in
            if let p { Unmanaged<RandomPool>.fromOpaque(p).release() }
        }
        return key
    }()

    func next128() -> (UInt64, UInt64) {
        if next + 2 > bytes.count { refill() }
        defer { next += 2 }
        return (bytes[next], bytes[next + 1])
    }

    /// /dev/urandom, opened on the first refill and kept (one read per refill); -1 when it cannot be opened.
    private var fd: Int32 = -2

    deinit {
        if fd >= 0 { close(fd) }
    }

    private func refill() {
        if fd == -2 { fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC) }
        let fd = self.fd
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
        if !filled {
            // No /dev/urandom (a bare chroot): the standard library's generator (getrandom per call).
            var generator = SystemRandomNumberGenerator()
            for i in bytes.indices { bytes[i] = generator.next() }
        }
        next = 0
    }
}
