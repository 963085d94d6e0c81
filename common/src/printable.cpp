#include "kiln/printable.hpp"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "kiln/utf8.hpp"

namespace kiln {

namespace {

std::string escape(const char* format, unsigned value) {
    char text[16];
    std::snprintf(text, sizeof text, format, value);
    return text;
}

}  // namespace

std::string printable(std::string_view text, std::string_view keep) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto decoded = utf8::decode(text.substr(i));
        if (!decoded) {
            out += escape("\\x%02x", static_cast<unsigned char>(text[i]));
            ++i;
            continue;
        }
        const char32_t c = decoded->code_point;
        if (c < 0x80 && keep.find(static_cast<char>(c)) != std::string_view::npos)
            out += static_cast<char>(c);
        else if (c < 0x80 && utf8::is_control(c))
            out += escape("\\x%02x", static_cast<unsigned>(c));
        else if (utf8::is_control(c) || utf8::is_hiding_format(c))
            out += escape("\\u%04x", static_cast<unsigned>(c));
        else
            out.append(text.substr(i, decoded->length));
        i += decoded->length;
    }
    return out;
}

nlohmann::json printable_json(const nlohmann::json& document) {
    if (document.is_string()) return printable(document.get_ref<const std::string&>());
    if (document.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& item : document) out.push_back(printable_json(item));
        return out;
    }
    if (document.is_object()) {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& [key, value] : document.items())
            out[printable(key)] = printable_json(value);
        return out;
    }
    return document;
}

}  // namespace kiln
