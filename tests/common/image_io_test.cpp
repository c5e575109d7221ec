// The pixel cap of decode_image: every format's size read from its header alone, and an image
// over the cap refused before any decoder sees it (a tiny file claiming 30000x30000 would make
// OpenCV allocate 2.7 GB).
#include "posecast/image_io.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

namespace posecast {
namespace {

std::string encoded(const std::string& extension, int width, int height) {
  // PGM and PBM take grey images only.
  const bool grey = extension == ".pgm" || extension == ".pbm";
  const cv::Mat image(height, width, grey ? CV_8UC1 : CV_8UC3, cv::Scalar(20, 120, 220));
  std::vector<uchar> bytes;
  EXPECT_TRUE(cv::imencode(extension, image, bytes)) << extension;
  return std::string(bytes.begin(), bytes.end());
}

// A PNG signature and IHDR chunk claiming `width` x `height`, and nothing else: 33 bytes.
std::string png_header(uint32_t width, uint32_t height) {
  std::string b("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR", 16);
  for (uint32_t v : {width, height})
    for (int shift = 24; shift >= 0; shift -= 8) b += static_cast<char>((v >> shift) & 0xFF);
  b += std::string("\x08\x02\0\0\0", 5);  // 8-bit RGB
  b += std::string(4, '\0');              // CRC (not checked before the size is)
  return b;
}

// Restores the process-wide cap when a test ends.
struct PixelCap {
  explicit PixelCap(int64_t pixels) { set_max_image_pixels(pixels); }
  ~PixelCap() { set_max_image_pixels(kDefaultMaxImagePixels); }
};

TEST(ImageHeader, ReadsTheSizeOfEveryFormatOpenCvWritesHere) {
  for (const std::string extension :
       {".jpg", ".png", ".bmp", ".webp", ".tiff", ".ppm", ".pgm", ".pbm", ".pfm", ".ras"}) {
    const Result<ImageSize> size = read_image_header(encoded(extension, 37, 23));
    ASSERT_TRUE(size.ok()) << extension << ": " << size.error().message();
    EXPECT_EQ(size->width, 37) << extension;
    EXPECT_EQ(size->height, 23) << extension;
  }
  EXPECT_EQ(read_image_header(encoded(".webp", 5000, 3)).value().width, 5000);
  EXPECT_EQ(read_image_header(png_header(30000, 30000)).value().format, "PNG");
  EXPECT_FALSE(read_image_header("GIF89a....").ok());
  EXPECT_FALSE(read_image_header("").ok());
  EXPECT_FALSE(read_image_header(std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF", 10)).ok())
      << "a JPEG that ends before its frame header";
}

TEST(ImageIo, AnImageOverTheCapIsRefusedFromItsHeader) {
  // 33 bytes that say 30000x30000: refused with the file's name and size, nothing decoded.
  const Result<cv::Mat> huge = decode_image(png_header(30000, 30000), "huge.png");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().message(),
            "huge.png: image is 30000x30000 (900.0 megapixels), over the limit of 50.0 "
            "megapixels (--max-pixels); refused before decoding");
  // Sides of up to 2^32 each do not overflow the product.
  EXPECT_FALSE(decode_image(png_header(0xFFFFFFFF, 0xFFFFFFFF), "x.png").ok());
  EXPECT_NE(decode_image(png_header(0, 10), "zero.png").error().message().find("0x10"),
            std::string::npos);

  // The cap is the option's: a real 640x480 photo passes at 307200 pixels and not at one less.
  const std::string photo = encoded(".jpg", 640, 480);
  {
    const PixelCap cap(640 * 480);
    const Result<cv::Mat> image = decode_image(photo, "photo.jpg");
    ASSERT_TRUE(image.ok()) << image.error().message();
    EXPECT_EQ(image->cols, 640);
  }
  {
    const PixelCap cap(640 * 480 - 1);
    const Result<cv::Mat> refused = decode_image(photo, "photo.jpg");
    ASSERT_FALSE(refused.ok());
    EXPECT_NE(refused.error().message().find("photo.jpg: image is 640x480 (0.3 megapixels)"),
              std::string::npos)
        << refused.error().message();
  }
  EXPECT_TRUE(decode_image(photo, "photo.jpg").ok()) << "the default cap is back";
}

}  // namespace
}  // namespace posecast
