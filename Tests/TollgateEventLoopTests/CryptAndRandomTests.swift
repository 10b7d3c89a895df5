import XCTest

@testable import TollgateEventLoop

/// libcrypt and OpenSSL wrappers used by the token table and the token CLI.
final class CryptAndRandomTests: XCTestCase {
    // Made with: openssl passwd -6 -salt saltsalt 's3cret'
    let sha512crypt = "$6$saltsalt$As4wrv0kZlfch1du9WeH7qhskyLriQWySXrZzynnvi46nFnNxjdpl6ksRegrrKexvhIa/Iny8S8uF3fVWTMuC1"
    // Made with Python's crypt.crypt('s3cret', METHOD_BLOWFISH)
    let bcrypt = "$2b$12$QBs.8hX.c4EbketQwm02NuAX4tM9b0maQ7/629uemPZOeV2wZ3KzK"

    func testCryptVerifiesTheRightSecretOnly() {
        XCTAssertTrue(CryptHash.verify(secret: Array("s3cret".utf8), hash: sha512crypt))
        XCTAssertFalse(CryptHash.verify(secret: Array("s3creT".utf8), hash: sha512crypt))
        XCTAssertFalse(CryptHash.verify(secret: Array("s3cret".utf8) + [0], hash: sha512crypt))
        XCTAssertFalse(CryptHash.verify(secret: [], hash: sha512crypt))
        XCTAssertFalse(CryptHash.verify(secret: Array("s3cret".utf8), hash: "*0"))
        XCTAssertFalse(CryptHash.verify(secret: Array("s3cret".utf8), hash: ""))
    }

    func testBcryptHashesFromHtpasswdVerify() {
        XCTAssertTrue(CryptHash.verify(secret: Array("s3cret".utf8), hash: bcrypt))
        XCTAssertFalse(CryptHash.verify(secret: Array("nope".utf8), hash: bcrypt))
    }

    func testSecureRandomBytesDiffer() {
        let a = SecureRandom.bytes(32)
        let b = SecureRandom.bytes(32)
        XCTAssertEqual(a.count, 32)
        XCTAssertNotEqual(a, b)
    }
}
