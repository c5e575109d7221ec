// Walking image folders.
#include "image_tree.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "posecast/image_dataset.h"

namespace posecast::data {

namespace fs = std::filesystem;

namespace {

bool hidden(const fs::path& p) { return p.filename().string().starts_with("."); }

Status walk(const fs::path& root, const fs::path& relative, ImageTree& tree) {
  std::error_code ec;
  std::vector<fs::path> files, folders;
  const fs::path dir = relative.empty() ? root : root / relative;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (hidden(e.path())) continue;
    std::error_code type_ec;
    if (e.is_directory(type_ec)) {
      folders.push_back(e.path().filename());
    } else if (e.is_regular_file(type_ec)) {
      files.push_back(e.path().filename());
    }
  }
  if (ec) return Error(dir.string() + ": cannot list: " + ec.message());
  std::sort(files.begin(), files.end());
  std::sort(folders.begin(), folders.end());
  for (const fs::path& f : files)
    (is_image_path(f) ? tree.images : tree.not_images).push_back(relative / f);
  for (const fs::path& f : folders)
    if (Status s = walk(root, relative / f, tree); !s.ok()) return s;
  return Status::Ok();
}

}  // namespace

Result<ImageTree> scan_image_tree(const fs::path& root) {
  std::error_code ec;
  if (!fs::exists(root, ec)) return Error(root.string() + ": no such folder");
  if (!fs::is_directory(root, ec)) return Error(root.string() + ": not a folder");
  ImageTree tree;
  tree.root = root;
  if (Status s = walk(root, {}, tree); !s.ok()) return s.error();
  return tree;
}

std::string label_of(const fs::path& relative) {
  auto first = relative.begin();
  if (first == relative.end() || std::next(first) == relative.end()) return "";
  return first->string();
}

Status check_outside(const fs::path& in, const fs::path& out) {
  std::error_code ec;
  const fs::path in_abs = fs::weakly_canonical(fs::absolute(in), ec);
  const fs::path out_abs = fs::weakly_canonical(fs::absolute(out), ec);
  if (ec) return Status::Ok();  // cannot tell; the later steps report real problems
  auto i = in_abs.begin();
  auto o = out_abs.begin();
  for (; i != in_abs.end() && !i->empty(); ++i, ++o)
    if (o == out_abs.end() || *o != *i) return Status::Ok();
  return Error(out.string() + " is inside " + in.string() +
               ": its files would be taken as inputs next time; choose an --out outside --in");
}

Status write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Error(path.string() + ": cannot create");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Error(path.string() + ": write failed");
  return Status::Ok();
}

Result<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(path.string() + ": cannot open");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Error(path.string() + ": read failed");
  return std::move(bytes).str();
}

}  // namespace posecast::data
