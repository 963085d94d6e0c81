#include "sources/encodings.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace kiln::firstboot;
using namespace kiln::firstboot::test;

namespace {

std::string ok(const std::variant<std::string, DecodeError>& r) {
    if (auto* e = std::get_if<DecodeError>(&r)) ADD_FAILURE() << "unexpected error: " << e->message;
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

std::string error(const std::variant<std::string, DecodeError>& r) {
    EXPECT_TRUE(std::holds_alternative<DecodeError>(r)) << "decoded although it should not";
    return std::holds_alternative<DecodeError>(r) ? std::get<DecodeError>(r).message : "";
}

const std::string kDoc = "instance-id: i-1\nlocal-hostname: pg-1\nkiln:\n  priority: 100\n";

}  // namespace

TEST(Decode, PlainPassesThrough) {
    EXPECT_EQ(ok(decode_metadata("", kDoc)), kDoc);
}

TEST(Decode, EveryCloudInitEncodingRoundTrips) {
    EXPECT_EQ(ok(decode_metadata("base64", base64(kDoc))), kDoc);
    EXPECT_EQ(ok(decode_metadata("b64", base64(kDoc))), kDoc);
    EXPECT_EQ(ok(decode_metadata("gzip+base64", base64(gzip(kDoc)))), kDoc);
    EXPECT_EQ(ok(decode_metadata("gz+b64", base64(gzip(kDoc)))), kDoc);
}

TEST(Decode, Base64WithLineBreaksAndEveryPadding) {
    // `base64` wraps at 76 columns; cloud-init accepts that.
    std::string wrapped = base64(std::string(100, 'x'));
    wrapped.insert(76, "\n");
    EXPECT_EQ(ok(decode_metadata("base64", wrapped)), std::string(100, 'x'));
    EXPECT_EQ(ok(base64_decode(base64("a"))), "a");
    EXPECT_EQ(ok(base64_decode(base64("ab"))), "ab");
    EXPECT_EQ(ok(base64_decode(base64("abc"))), "abc");
}

TEST(Decode, UnknownEncodingIsNamed) {
    EXPECT_NE(error(decode_metadata("rot13", "abc")).find("unknown encoding 'rot13'"),
              std::string::npos);
    EXPECT_NE(error(decode_metadata("gzip", "abc")).find("unknown encoding 'gzip'"),
              std::string::npos);
}

TEST(Decode, InvalidBase64IsRejected) {
    EXPECT_NE(error(decode_metadata("base64", "abc")).find("multiple of 4"), std::string::npos);
    EXPECT_NE(error(decode_metadata("base64", "ab!d")).find("unexpected character"),
              std::string::npos);
    EXPECT_NE(error(decode_metadata("b64", "")).find("empty"), std::string::npos);
}

TEST(Decode, BrokenGzipIsRejected) {
    EXPECT_NE(error(decode_metadata("gz+b64", base64("not gzip at all"))).find("invalid gzip"),
              std::string::npos);
    std::string truncated = gzip(kDoc);
    truncated.resize(truncated.size() / 2);
    EXPECT_NE(error(decode_metadata("gzip+base64", base64(truncated))).find("truncated"),
              std::string::npos);
}

TEST(Decode, GzipBombStopsAtTheLimit) {
    std::string bomb = gzip(std::string(64 << 20, '\0'));  // 64 MiB of zeros, ~64 KiB compressed
    ASSERT_LT(bomb.size(), 100u << 10);
    auto message = error(decode_metadata("gz+b64", base64(bomb)));
    EXPECT_NE(message.find("decompresses to more than 1048576 bytes"), std::string::npos)
        << message;
    // Just under the limit is fine.
    EXPECT_EQ(
        ok(decode_metadata("gz+b64", base64(gzip(std::string(kMaxDecodedBytes, 'a'))))).size(),
        kMaxDecodedBytes);
}

TEST(Decode, OversizePlainDocumentIsRejected) {
    EXPECT_NE(
        error(decode_metadata("", std::string(kMaxDecodedBytes + 1, 'a'))).find("larger than"),
        std::string::npos);
    EXPECT_NE(error(decode_metadata("base64", base64(std::string(kMaxDecodedBytes + 3, 'a'))))
                  .find("larger than"),
              std::string::npos);
}

TEST(Decode, DataAfterTheGzipStreamIsRejected) {
    std::string stream = gzip(kDoc);
    auto message = error(decode_metadata("gzip+base64", base64(stream + "extra")));
    EXPECT_NE(message.find("followed by 5 more bytes"), std::string::npos) << message;
    // A second gzip member is trailing data too: the document is the first member alone.
    EXPECT_NE(error(decode_metadata("gz+b64", base64(stream + gzip("instance-id: other\n"))))
                  .find("more bytes after its end"),
              std::string::npos);
}
