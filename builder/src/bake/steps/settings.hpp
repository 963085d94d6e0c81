#pragma once

#include "bake/context.hpp"

namespace kiln::bake {

// set-timezone, set-locale, configure-ntp, configure-zabbix-agent, set-hostname: the files
// each distribution family reads (apt: Debian; yum/dnf: EL), written into the guest.
void set_timezone(Context& ctx, const profile::Text& zone);
void set_locale(Context& ctx, const profile::Text& locale);
void configure_ntp(Context& ctx, const profile::TextList& servers);
void configure_zabbix_agent(Context& ctx, const profile::Text& server);
void set_hostname(Context& ctx, const profile::Text& hostname);

// Replaces every line `KEY=...` (commented or not) by `KEY=value`, appending one if none.
std::string set_key_value_lines(const std::string& text, const std::string& key,
                                const std::string& value);
// Comments out the lines starting with any of `prefixes`.
std::string comment_lines(const std::string& text, const std::vector<std::string>& prefixes);

}  // namespace kiln::bake
