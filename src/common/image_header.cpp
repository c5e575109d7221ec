// The width and height an encoded image declares, read from its header alone, so that decode_image
// can refuse a 30000x30000 claim before a decoder allocates 2.7 GB for it. OpenCV 4.6 has no
// header-only size API (cv::ImageCollection and imread's size checks came later or check too late),
// hence a small reader per format that posecast takes.
#include <cctype>
#include <cstdint>
#include <string>
#include <string_view>

#include "posecast/image_io.h"

namespace posecast {
namespace {

// Fixed-width integers at `at`; the callers check the size first.
uint32_t be(std::string_view b, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(b[at + i]);
  return v;
}
uint32_t le(std::string_view b, size_t at, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(b[at + i]);
  return v;
}

Error truncated(std::string_view format) {
  return Error(std::string(format) + " header is truncated or damaged");
}

// JPEG: the first start-of-frame segment (SOF0-SOF15 but DHT, JPG and DAC) has the size.
Result<ImageSize> jpeg_size(std::string_view b) {
  size_t at = 2;
  while (at + 4 <= b.size()) {
    if (static_cast<uint8_t>(b[at]) != 0xFF) return truncated("JPEG");
    while (at < b.size() && static_cast<uint8_t>(b[at]) == 0xFF) ++at;  // fill bytes
    if (at >= b.size()) break;
    const uint8_t marker = static_cast<uint8_t>(b[at++]);
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;  // no length
    if (marker == 0xD9 || marker == 0xDA) return Error("JPEG has no frame header before its data");
    if (at + 2 > b.size()) break;
    const uint32_t length = be(b, at, 2);
    if (length < 2) return truncated("JPEG");
    const bool frame =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (frame) {
      if (at + 7 > b.size()) break;
      const int64_t height = be(b, at + 3, 2), width = be(b, at + 5, 2);
      if (height == 0)
        return Error("JPEG whose height comes after the data (DNL) is not supported");
      return ImageSize{width, height, "JPEG"};
    }
    at += length;
  }
  return truncated("JPEG");
}

// WebP: the size is in the first chunk, lossy (VP8), lossless (VP8L) or extended (VP8X).
Result<ImageSize> webp_size(std::string_view b) {
  if (b.size() < 30) return truncated("WebP");
  const std::string_view chunk = b.substr(12, 4);
  if (chunk == "VP8 " && be(b, 23, 3) == 0x9D012A)
    return ImageSize{le(b, 26, 2) & 0x3FFF, le(b, 28, 2) & 0x3FFF, "WebP"};
  if (chunk == "VP8L" && static_cast<uint8_t>(b[20]) == 0x2F) {
    const uint32_t bits = le(b, 21, 4);
    return ImageSize{(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, "WebP"};
  }
  if (chunk == "VP8X")
    return ImageSize{le(b, 24, 3) + int64_t{1}, le(b, 27, 3) + int64_t{1}, "WebP"};
  return truncated("WebP");
}

// TIFF: ImageWidth (256) and ImageLength (257) of the first image file directory.
Result<ImageSize> tiff_size(std::string_view b) {
  const bool little = b[0] == 'I';
  auto u = [&](size_t at, int bytes) { return little ? le(b, at, bytes) : be(b, at, bytes); };
  // size_t, not the file's 32 bits: an offset near 2^32 must not wrap past the check (found by
  // fuzzing).
  const size_t ifd = u(4, 4);
  if (ifd < 8 || ifd + 2 > b.size()) return truncated("TIFF");
  const size_t entries = u(ifd, 2);
  int64_t width = -1, height = -1;
  for (size_t i = 0; i < entries && ifd + 2 + (i + 1) * 12 <= b.size(); ++i) {
    const size_t entry = ifd + 2 + i * 12;
    const uint32_t tag = u(entry, 2), type = u(entry + 2, 2);
    if ((tag != 256 && tag != 257) || (type != 3 && type != 4)) continue;
    (tag == 256 ? width : height) = type == 3 ? u(entry + 8, 2) : u(entry + 8, 4);
  }
  if (width < 0 || height < 0) return Error("TIFF has no image width and length");
  return ImageSize{width, height, "TIFF"};
}

// Netpbm (P1-P6, PAM P7) and PFM: text numbers after the magic, '#' comments in between.
Result<ImageSize> netpbm_size(std::string_view b) {
  const std::string_view header = b.substr(0, 1024);
  size_t at = 2;
  auto token = [&]() -> std::string_view {
    while (at < header.size()) {
      if (header[at] == '#')
        while (at < header.size() && header[at] != '\n') ++at;
      else if (std::isspace(static_cast<unsigned char>(header[at])))
        ++at;
      else
        break;
    }
    const size_t start = at;
    while (at < header.size() && !std::isspace(static_cast<unsigned char>(header[at]))) ++at;
    return header.substr(start, at - start);
  };
  auto number = [](std::string_view t) -> int64_t {
    if (t.empty() || t.size() > 10) return -1;
    int64_t v = 0;
    for (char c : t) {
      if (c < '0' || c > '9') return -1;
      v = v * 10 + (c - '0');
    }
    return v;
  };
  int64_t width = -1, height = -1;
  if (b[1] == '7') {  // PAM: "WIDTH 640" / "HEIGHT 480" lines up to ENDHDR
    for (std::string_view t = token(); !t.empty() && t != "ENDHDR"; t = token()) {
      if (t == "WIDTH") width = number(token());
      if (t == "HEIGHT") height = number(token());
    }
  } else {
    width = number(token());
    height = number(token());
  }
  if (width < 0 || height < 0) return truncated("PNM");
  return ImageSize{width, height, "PNM"};
}

}  // namespace

Result<ImageSize> read_image_header(std::string_view b) {
  if (b.size() >= 4 && be(b, 0, 2) == 0xFFD8) return jpeg_size(b);
  if (b.starts_with("\x89PNG\r\n\x1a\n")) {
    if (b.size() < 24 || b.substr(12, 4) != "IHDR") return truncated("PNG");
    return ImageSize{be(b, 16, 4), be(b, 20, 4), "PNG"};
  }
  if (b.starts_with("BM")) {
    if (b.size() < 26) return truncated("BMP");
    if (le(b, 14, 4) == 12) return ImageSize{le(b, 18, 2), le(b, 20, 2), "BMP"};  // OS/2
    const auto width = static_cast<int32_t>(le(b, 18, 4));
    const auto height = static_cast<int32_t>(le(b, 22, 4));  // negative: top-down rows
    return ImageSize{width < 0 ? -int64_t{width} : width, height < 0 ? -int64_t{height} : height,
                     "BMP"};
  }
  if (b.size() >= 12 && b.starts_with("RIFF") && b.substr(8, 4) == "WEBP") return webp_size(b);
  if (b.size() >= 8 &&
      (b.starts_with(std::string_view("II*\0", 4)) || b.starts_with(std::string_view("MM\0*", 4))))
    return tiff_size(b);
  if (b.size() >= 3 && b[0] == 'P' && ((b[1] >= '1' && b[1] <= '7') || b[1] == 'F' || b[1] == 'f'))
    return netpbm_size(b);
  if (b.size() >= 12 && be(b, 0, 4) == 0x59A66A95)
    return ImageSize{be(b, 4, 4), be(b, 8, 4), "Sun raster"};
  return Error(
      "not an image format posecast reads (JPEG, PNG, BMP, WebP, TIFF, PNM/PAM/PFM, Sun raster)");
}

}  // namespace posecast
