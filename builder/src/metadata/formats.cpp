#include "metadata/formats.hpp"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include "kiln/error.hpp"
#include "kiln/node_schema.hpp"

namespace kiln::metadata {

namespace {

std::string guestinfo_key(const std::string& key) {
    return std::string(node::kGuestinfoPrefix) + key;
}

File guestinfo(const std::string& node, const Values& values) {
    std::string out =
        "# guestinfo for node " + node +
        ": add these lines to the VM's .vmx (or extraConfig)\n"
        "# After bring-up kiln-firstboot overwrites the secret keys' values with '---' itself;\n"
        "# delete this file and any copy of these lines you keep.\n";
    for (const auto& [key, value] : values)
        out += guestinfo_key(key) + " = \"" + vmx_escape(value) + "\"\n";
    return {node + ".guestinfo.vmx", out};
}

File terraform(const std::string& node, const Values& values) {
    nlohmann::ordered_json map = nlohmann::ordered_json::object();
    for (const auto& [key, value] : values) map[guestinfo_key(key)] = value;
    return {node + ".extra_config.json", map.dump(2) + "\n"};
}

File ovf_properties(const std::string& node, const Values& values, const std::string& network) {
    nlohmann::ordered_json properties = nlohmann::ordered_json::array();
    for (const auto& [key, value] : values)
        properties.push_back(
            {{"Key", std::string(node::kOvfPropertyPrefix) + key}, {"Value", value}});
    nlohmann::ordered_json options = {
        {"DiskProvisioning", "thin"},
        {"IPAllocationPolicy", "dhcpPolicy"},
        {"IPProtocol", "IPv4"},
        {"PropertyMapping", properties},
        {"NetworkMapping", nlohmann::ordered_json::array({{{"Name", network}, {"Network", ""}}})},
        {"MarkAsTemplate", false},
        {"PowerOn", false},
        {"InjectOvfEnv", true},
        {"WaitForIP", false},
        {"Name", node}};
    return {node + ".import-options.json", options.dump(2) + "\n"};
}

// govc takes extraConfig values (vm.change -e) only on its command line, where `ps` shows
// them: the govc format deploys through the OVF environment instead, every value in the
// import options file govc reads, so no value is on any argv.
std::vector<File> govc(const std::string& node, const Values& values, const std::string& network) {
    File options = ovf_properties(node, values, network);
    std::string script =
        "#!/bin/sh\n"
        "# Deploys node " +
        node + " from the OVA with its metadata as OVF properties: OVA=kiln.ova sh " + node +
        ".govc.sh\n"
        "# govc reads every value from " +
        options.name +
        " (mode 0600): none is on a command line.\n"
        "# After bring-up kiln-firstboot removes the secret properties from the guest's copy of\n"
        "# the OVF environment at every boot; vCenter keeps them in the VM's vApp options until\n"
        "# you clear them there (vSphere Client: the VM > Configure > vApp Options > Properties:\n"
        "# empty the kiln.*_password, kiln.consul_* and kiln.tls_key values) and delete " +
        options.name +
        ".\n"
        "set -eu\n"
        ": \"${OVA:?set OVA to the kiln OVA to deploy node " +
        node +
        " from}\"\n"
        "govc import.ova -options \"$(dirname \"$0\")/" +
        options.name + "\" \"$OVA\"\n";
    return {{node + ".govc.sh", script, 0700}, std::move(options)};
}

}  // namespace

std::string vmx_escape(const std::string& value) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : value) {
        if (c == '"' || c == '|' || c == '#' || c < 0x20 || c == 0x7f) {
            out += '|';
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string document_yaml(const Values& values) {
    YAML::Emitter out;
    out << YAML::BeginMap;
    YAML::Node kiln_map;
    std::vector<std::pair<std::string, std::string>> kiln;
    for (const auto& [key, value] : values) {
        const node::KeySpec& spec = *node::find_key(key);
        if (key == "instance_id")
            out << YAML::Key << "instance-id" << YAML::Value << value;
        else if (key == "hostname")
            out << YAML::Key << "local-hostname" << YAML::Value << value;
        else if (key == "ssh_authorized_keys")
            out << YAML::Key << "public-keys" << YAML::Value << node::split_items(spec, value);
        else
            kiln.emplace_back(key, value);
    }
    out << YAML::Key << "kiln" << YAML::Value << YAML::BeginMap;
    for (const auto& [key, value] : kiln) {
        const node::KeySpec& spec = *node::find_key(key);
        out << YAML::Key << key << YAML::Value;
        if (spec.is_list())
            out << node::split_items(spec, value);
        else
            out << YAML::DoubleQuoted << value;
    }
    out << YAML::EndMap << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

std::string gzip_base64(const std::string& data) {
    z_stream stream{};
    // windowBits 15 + 16: a gzip wrapper; zlib leaves its mtime 0, so output is deterministic.
    if (deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw Error("cannot initialise gzip");
    std::string compressed(deflateBound(&stream, data.size()) + 32, '\0');
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(compressed.data());
    stream.avail_out = static_cast<uInt>(compressed.size());
    int rc = deflate(&stream, Z_FINISH);
    compressed.resize(stream.total_out);
    deflateEnd(&stream);
    if (rc != Z_STREAM_END) throw Error("gzip compression failed");
    std::string encoded(4 * ((compressed.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                            reinterpret_cast<const unsigned char*>(compressed.data()),
                            static_cast<int>(compressed.size()));
    encoded.resize(static_cast<std::size_t>(n));
    return encoded;
}

std::vector<File> render(Format format, const std::string& node, const Values& values,
                         const std::string& network_name) {
    switch (format) {
        case Format::guestinfo:
            return {guestinfo(node, values)};
        case Format::govc:
            return govc(node, values, network_name);
        case Format::terraform:
            return {terraform(node, values)};
        case Format::ovf_properties:
            return {ovf_properties(node, values, network_name)};
        case Format::cloud_init: {
            std::string encoded = gzip_base64(document_yaml(values));
            std::string vmx = "# cloud-init style metadata for node " + node +
                              ": add to the VM's .vmx (or extraConfig)\n"
                              "# After bring-up kiln-firstboot overwrites guestinfo.metadata with "
                              "'---' itself;\n# delete this file and " +
                              node +
                              ".metadata.gz.b64.\n"
                              "guestinfo.metadata = \"" +
                              encoded +
                              "\"\n"
                              "guestinfo.metadata.encoding = \"gzip+base64\"\n";
            return {{node + ".metadata.gz.b64", encoded + "\n"}, {node + ".cloud-init.vmx", vmx}};
        }
        case Format::fw_cfg: {
            std::string doc = document_yaml(values);
            std::string args = "-fw_cfg name=" + std::string(node::kFwCfgDocument) +
                               ",file=" + node + ".metadata.yml\n";
            return {{node + ".metadata.yml", doc}, {node + ".qemu-args", args, 0644}};
        }
    }
    return {};
}

}  // namespace kiln::metadata
