impl serde::Serialize for Event {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.created.is_some() {
            len += 1;
        }
        if self.updated.is_some() {
            len += 1;
        }
        if self.ttl.is_some() {
            len += 1;
        }
        if self.attributes.is_some() {
            len += 1;
        }
        if self.payload.is_some() {
            len += 1;
        }
        if self.note.is_some() {
            len += 1;
        }
        if self.sequence.is_some() {
            len += 1;
        }
        if self.acked.is_some() {
            len += 1;
        }
        if self.score.is_some() {
            len += 1;
        }
        if self.mask.is_some() {
            len += 1;
        }
        if !self.history.is_empty() {
            len += 1;
        }
        if self.labels.is_some() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("bench.wkt.Event", len)?;
        if let Some(v) = self.created.as_ref() {
            struct_ser.serialize_field("created", v)?;
        }
        if let Some(v) = self.updated.as_ref() {
            struct_ser.serialize_field("updated", v)?;
        }
        if let Some(v) = self.ttl.as_ref() {
            struct_ser.serialize_field("ttl", v)?;
        }
        if let Some(v) = self.attributes.as_ref() {
            struct_ser.serialize_field("attributes", v)?;
        }
        if let Some(v) = self.payload.as_ref() {
            struct_ser.serialize_field("payload", v)?;
        }
        if let Some(v) = self.note.as_ref() {
            struct_ser.serialize_field("note", v)?;
        }
        if let Some(v) = self.sequence.as_ref() {
            struct_ser.serialize_field("sequence", v)?;
        }
        if let Some(v) = self.acked.as_ref() {
            struct_ser.serialize_field("acked", v)?;
        }
        if let Some(v) = self.score.as_ref() {
            struct_ser.serialize_field("score", v)?;
        }
        if let Some(v) = self.mask.as_ref() {
            struct_ser.serialize_field("mask", v)?;
        }
        if !self.history.is_empty() {
            struct_ser.serialize_field("history", &self.history)?;
        }
        if let Some(v) = self.labels.as_ref() {
            struct_ser.serialize_field("labels", v)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for Event {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "created",
            "updated",
            "ttl",
            "attributes",
            "payload",
            "note",
            "sequence",
            "acked",
            "score",
            "mask",
            "history",
            "labels",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Created,
            Updated,
            Ttl,
            Attributes,
            Payload,
            Note,
            Sequence,
            Acked,
            Score,
            Mask,
            History,
            Labels,
        }
        impl<'de> serde::Deserialize<'de> for GeneratedField {
            fn deserialize<D>(deserializer: D) -> std::result::Result<GeneratedField, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                struct GeneratedVisitor;

                impl serde::de::Visitor<'_> for GeneratedVisitor {
                    type Value = GeneratedField;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(formatter, "expected one of: {:?}", &FIELDS)
                    }

                    #[allow(unused_variables)]
                    fn visit_str<E>(self, value: &str) -> std::result::Result<GeneratedField, E>
                    where
                        E: serde::de::Error,
                    {
                        match value {
                            "created" => Ok(GeneratedField::Created),
                            "updated" => Ok(GeneratedField::Updated),
                            "ttl" => Ok(GeneratedField::Ttl),
                            "attributes" => Ok(GeneratedField::Attributes),
                            "payload" => Ok(GeneratedField::Payload),
                            "note" => Ok(GeneratedField::Note),
                            "sequence" => Ok(GeneratedField::Sequence),
                            "acked" => Ok(GeneratedField::Acked),
                            "score" => Ok(GeneratedField::Score),
                            "mask" => Ok(GeneratedField::Mask),
                            "history" => Ok(GeneratedField::History),
                            "labels" => Ok(GeneratedField::Labels),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = Event;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct bench.wkt.Event")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<Event, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut created__ = None;
                let mut updated__ = None;
                let mut ttl__ = None;
                let mut attributes__ = None;
                let mut payload__ = None;
                let mut note__ = None;
                let mut sequence__ = None;
                let mut acked__ = None;
                let mut score__ = None;
                let mut mask__ = None;
                let mut history__ = None;
                let mut labels__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Created => {
                            if created__.is_some() {
                                return Err(serde::de::Error::duplicate_field("created"));
                            }
                            created__ = map_.next_value()?;
                        }
                        GeneratedField::Updated => {
                            if updated__.is_some() {
                                return Err(serde::de::Error::duplicate_field("updated"));
                            }
                            updated__ = map_.next_value()?;
                        }
                        GeneratedField::Ttl => {
                            if ttl__.is_some() {
                                return Err(serde::de::Error::duplicate_field("ttl"));
                            }
                            ttl__ = map_.next_value()?;
                        }
                        GeneratedField::Attributes => {
                            if attributes__.is_some() {
                                return Err(serde::de::Error::duplicate_field("attributes"));
                            }
                            attributes__ = map_.next_value()?;
                        }
                        GeneratedField::Payload => {
                            if payload__.is_some() {
                                return Err(serde::de::Error::duplicate_field("payload"));
                            }
                            payload__ = map_.next_value()?;
                        }
                        GeneratedField::Note => {
                            if note__.is_some() {
                                return Err(serde::de::Error::duplicate_field("note"));
                            }
                            note__ = map_.next_value()?;
                        }
                        GeneratedField::Sequence => {
                            if sequence__.is_some() {
                                return Err(serde::de::Error::duplicate_field("sequence"));
                            }
                            sequence__ = map_.next_value()?;
                        }
                        GeneratedField::Acked => {
                            if acked__.is_some() {
                                return Err(serde::de::Error::duplicate_field("acked"));
                            }
                            acked__ = map_.next_value()?;
                        }
                        GeneratedField::Score => {
                            if score__.is_some() {
                                return Err(serde::de::Error::duplicate_field("score"));
                            }
                            score__ = map_.next_value()?;
                        }
                        GeneratedField::Mask => {
                            if mask__.is_some() {
                                return Err(serde::de::Error::duplicate_field("mask"));
                            }
                            mask__ = map_.next_value()?;
                        }
                        GeneratedField::History => {
                            if history__.is_some() {
                                return Err(serde::de::Error::duplicate_field("history"));
                            }
                            history__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Labels => {
                            if labels__.is_some() {
                                return Err(serde::de::Error::duplicate_field("labels"));
                            }
                            labels__ = map_.next_value()?;
                        }
                    }
                }
                Ok(Event {
                    created: created__,
                    updated: updated__,
                    ttl: ttl__,
                    attributes: attributes__,
                    payload: payload__,
                    note: note__,
                    sequence: sequence__,
                    acked: acked__,
                    score: score__,
                    mask: mask__,
                    history: history__.unwrap_or_default(),
                    labels: labels__,
                })
            }
        }
        deserializer.deserialize_struct("bench.wkt.Event", FIELDS, GeneratedVisitor)
    }
}
