// Catalogue of the DecodeStats counter names and what each means, for reports and documentation.

/** Frames passed over (decodeFrame returned null), by reason. */
export const SKIP_REASONS: Readonly<Record<string, string>> = {
  'unknown-link-type': 'link type the decoder does not read',
  arp: 'ARP',
  'non-ip': 'other EtherType, 802.3/LLC frame, non-IP loopback family or PPP control traffic',
  'fortinet-internal': 'Fortinet EtherType 0x8890/0x8891 not carrying IPv4 (e.g. FGCP HA heartbeat)',
  udp: 'UDP',
  icmp: 'ICMP',
  icmpv6: 'ICMPv6',
  'ip-proto-other': 'other IP protocol (GRE, ESP, SCTP, tunnels, no next header, ...)',
  'ipv4-fragment': 'IPv4 fragment of a TCP segment (not reassembled)',
  'ipv6-fragment': 'IPv6 fragment of a TCP segment (not reassembled)',
  'ipv6-ext-chain': 'IPv6 extension-header chain too long or running past the packet',
  'bad-ip-version': 'IP version nibble does not match the link layer',
  'bad-ipv4-header': 'IPv4 header length below 20 or total length below the header length',
  'bad-tcp-header': 'TCP data offset below 5 or beyond the IP payload',
  'truncated-ethernet': 'frame shorter than an Ethernet header',
  'truncated-vlan': 'frame cut inside a VLAN tag',
  'truncated-sll': 'frame shorter than a Linux cooked header',
  'truncated-sll2': 'frame shorter than a Linux cooked v2 header',
  'truncated-null': 'frame shorter than a loopback header',
  'truncated-pppoe': 'frame cut inside the PPPoE header',
  'truncated-ip': 'raw-IP frame with no bytes',
  'truncated-ipv4': 'frame cut inside the IPv4 header',
  'truncated-ipv6': 'frame cut inside the IPv6 header or its extension headers',
  'truncated-tcp': 'frame cut inside the fixed 20 bytes of the TCP header',
};

/** Segments that were decoded and returned anyway, but are worth a note. */
export const NOTE_REASONS: Readonly<Record<string, string>> = {
  'tcp-options-truncated': 'TCP options cut by the capture length; decoded as far as they go',
  'tcp-options-malformed': 'TCP option with an impossible length; options after it ignored',
};
