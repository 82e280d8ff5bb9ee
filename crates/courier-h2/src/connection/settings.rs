//! SETTINGS both ways: the initial SETTINGS, the peer's (applied at once and acknowledged), and
//! this endpoint's (applied once acknowledged, RFC 9113 §6.5.3), including changes mid-connection.

use super::*;

impl Connection {
    pub(super) fn send_initial_settings(&mut self, now: Instant) {
        let c = &self.config;
        let mut settings = Vec::new();
        let mut put = |id, value| settings.push(Setting { id, value });
        if c.header_table_size != 4096 {
            put(SettingId::HEADER_TABLE_SIZE, c.header_table_size);
        }
        if self.role == Role::Client {
            put(SettingId::ENABLE_PUSH, u32::from(c.enable_push));
        }
        put(SettingId::MAX_CONCURRENT_STREAMS, c.max_concurrent_streams);
        if c.initial_window_size != DEFAULT_WINDOW {
            put(
                SettingId::INITIAL_WINDOW_SIZE,
                c.initial_window_size.min(MAX_WINDOW_SIZE),
            );
        }
        if c.max_frame_size != DEFAULT_MAX_FRAME_SIZE {
            put(SettingId::MAX_FRAME_SIZE, self.decoder.max_frame_size());
        }
        put(SettingId::MAX_HEADER_LIST_SIZE, c.max_header_list_size);
        let frame = Settings {
            ack: false,
            settings,
        };
        self.write_frame(&Frame::Settings(frame.clone()));
        self.pending_settings
            .push_back((frame, now + self.config.settings_timeout));
        // The connection window can only grow through WINDOW_UPDATE (§6.9.2).
        let target = i64::from(self.config.connection_window_size.min(MAX_WINDOW_SIZE));
        if target > self.conn_recv_window {
            let inc = (target - self.conn_recv_window) as u32;
            self.conn_recv_window = target;
            self.write_frame(&Frame::WindowUpdate(WindowUpdate {
                stream_id: StreamId::ZERO,
                increment: inc,
            }));
        }
    }

    pub(super) fn on_settings(&mut self, s: Settings) -> Result<(), Fault> {
        if s.ack {
            let Some((acked, _)) = self.pending_settings.pop_front() else {
                // An acknowledgment of nothing: ignored.
                return Ok(());
            };
            if self.pending_settings.is_empty() {
                // Nothing else is awaited (the usual case after the initial SETTINGS): an idle
                // connection holds no queue for them (four 48-octet slots).
                self.pending_settings = VecDeque::new();
            }
            self.apply_acked_settings(&acked);
            self.events.push_back(Event::SettingsAcknowledged);
            return Ok(());
        }
        // RFC 9113 §6.5.3: "The values in the SETTINGS frame MUST be processed in the order they
        // appear, with no other frame processing between values."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.3>
        for setting in &s.settings {
            match setting.id {
                SettingId::HEADER_TABLE_SIZE => {
                    self.hpack_enc.update_max_table_size(setting.value as usize);
                }
                SettingId::ENABLE_PUSH => {
                    // RFC 9113 §6.5.2: "A client MUST treat receipt of a SETTINGS frame with
                    // SETTINGS_ENABLE_PUSH set to 1 as a connection error (Section 5.4.1) of type
                    // PROTOCOL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.2>
                    if self.role == Role::Client && setting.value == 1 {
                        return Err(Fault::conn(
                            Reason::PROTOCOL_ERROR,
                            "server sent SETTINGS_ENABLE_PUSH = 1",
                        ));
                    }
                    self.peer.enable_push = setting.value == 1;
                }
                SettingId::MAX_CONCURRENT_STREAMS => {
                    self.peer.max_concurrent_streams = setting.value
                }
                SettingId::INITIAL_WINDOW_SIZE => {
                    let delta = i64::from(setting.value) - i64::from(self.peer.initial_window_size);
                    self.peer.initial_window_size = setting.value;
                    // RFC 9113 §6.9.2: "When the value of SETTINGS_INITIAL_WINDOW_SIZE changes, a
                    // receiver MUST adjust the size of all stream flow-control windows that it
                    // maintains by the difference between the new value and the old value."
                    // <https://www.rfc-editor.org/rfc/rfc9113#section-6.9.2>
                    for (id, stream) in self.streams.iter_mut() {
                        stream.send_window += delta;
                        // RFC 9113 §6.9.2: "An endpoint MUST treat a change to
                        // SETTINGS_INITIAL_WINDOW_SIZE that causes any flow-control window to
                        // exceed the maximum size as a connection error (Section 5.4.1) of type
                        // FLOW_CONTROL_ERROR." <https://www.rfc-editor.org/rfc/rfc9113#section-6.9.2>
                        if stream.send_window > i64::from(MAX_WINDOW_SIZE) {
                            return Err(Fault::conn(
                                Reason::FLOW_CONTROL_ERROR,
                                "SETTINGS_INITIAL_WINDOW_SIZE overflows a stream window",
                            ));
                        }
                        if stream.window_opened() {
                            self.events.push_back(Event::Writable { stream_id: *id });
                        }
                        if delta > 0 && stream.has_output() && !stream.scheduled {
                            stream.scheduled = true;
                            self.ready.push_back(*id);
                        }
                    }
                }
                SettingId::MAX_FRAME_SIZE => self.encoder.set_max_frame_size(setting.value),
                SettingId::MAX_HEADER_LIST_SIZE => self.peer.max_header_list_size = setting.value,
                // RFC 9113 §6.5.3: "Unsupported settings MUST be ignored."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.3>
                _ => {}
            }
        }
        // RFC 9113 §6.5.3: "Once all values have been processed, the recipient MUST immediately
        // emit a SETTINGS frame with the ACK flag set."
        // <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.3>
        self.write_frame(&Frame::Settings(Settings::ack()));
        self.count_control_frame()
    }

    pub(super) fn apply_acked_settings(&mut self, s: &Settings) {
        self.settings_acked = true;
        for setting in &s.settings {
            match setting.id {
                SettingId::HEADER_TABLE_SIZE => {
                    self.hpack_dec.set_max_table_size(setting.value as usize)
                }
                SettingId::ENABLE_PUSH => self.local_acked.enable_push = setting.value == 1,
                SettingId::MAX_CONCURRENT_STREAMS => {
                    self.local_acked.max_concurrent_streams = setting.value
                }
                SettingId::INITIAL_WINDOW_SIZE => {
                    let old = self.local_initial_window();
                    self.local_acked.initial_window_size = setting.value;
                    let delta = i64::from(self.local_initial_window()) - i64::from(old);
                    for stream in self.streams.values_mut() {
                        stream.recv_window += delta;
                    }
                }
                SettingId::MAX_HEADER_LIST_SIZE => {
                    self.local_acked.max_header_list_size = setting.value;
                    self.hpack_dec
                        .set_max_header_list_size(setting.value as usize);
                }
                SettingId::MAX_FRAME_SIZE => self.decoder.set_max_frame_size(setting.value),
                _ => {}
            }
        }
    }

    /// The receive window new streams get: our advertised value once acknowledged; before that
    /// the peer may still use the default, so the larger of the two is allowed.
    pub(super) fn local_initial_window(&self) -> u32 {
        let pending = self
            .pending_settings
            .iter()
            .filter_map(|(s, _)| s.get(SettingId::INITIAL_WINDOW_SIZE))
            .max()
            .unwrap_or(0);
        self.local_acked.initial_window_size.max(pending)
    }

    /// Changes this endpoint's settings mid-connection: sends SETTINGS with `settings` (in
    /// order) and applies each value once the peer acknowledges it ([`Event::SettingsAcknowledged`];
    /// RFC 9113 §6.5.3), so that a peer still working with the old values is never judged by
    /// the new ones. The acknowledgment is awaited like the initial one
    /// ([`Config::settings_timeout`], then SETTINGS_TIMEOUT). `now` starts that timer.
    ///
    /// What changes on acknowledgment: HEADER_TABLE_SIZE (the HPACK decoder's table),
    /// ENABLE_PUSH (client), MAX_CONCURRENT_STREAMS (the limit enforced on the peer),
    /// INITIAL_WINDOW_SIZE (every stream's receive window moves by the difference, §6.9.2, and it
    /// becomes the target windows are topped up to), MAX_FRAME_SIZE (the largest frame
    /// accepted) and MAX_HEADER_LIST_SIZE (the largest field section accepted). Unknown
    /// identifiers are sent as given.
    ///
    /// Fails with [`CommandErrorKind::InvalidSetting`] for a value out of range (§6.5.2) or
    /// ENABLE_PUSH = 1 from a server, and [`CommandErrorKind::Closed`] once closed.
    pub fn update_settings(
        &mut self,
        settings: &[Setting],
        now: Instant,
    ) -> Result<(), CommandError> {
        self.check_open()?;
        for s in settings {
            let ok = match s.id {
                // RFC 9113 §6.5.2: "A server MUST NOT explicitly set this value to 1."
                // <https://www.rfc-editor.org/rfc/rfc9113#section-6.5.2>
                SettingId::ENABLE_PUSH => {
                    s.value == 0 || (s.value == 1 && self.role == Role::Client)
                }
                SettingId::INITIAL_WINDOW_SIZE => s.value <= MAX_WINDOW_SIZE,
                SettingId::MAX_FRAME_SIZE => {
                    (DEFAULT_MAX_FRAME_SIZE..=MAX_MAX_FRAME_SIZE).contains(&s.value)
                }
                _ => true,
            };
            if !ok {
                return Err(CommandError::with_detail(
                    CommandErrorKind::InvalidSetting,
                    "setting value out of range (RFC 9113 §6.5.2)",
                ));
            }
        }
        self.now = self.now.max(now);
        let frame = Settings {
            ack: false,
            settings: settings.to_vec(),
        };
        self.write_frame(&Frame::Settings(frame.clone()));
        self.pending_settings
            .push_back((frame, now + self.config.settings_timeout));
        Ok(())
    }
}
