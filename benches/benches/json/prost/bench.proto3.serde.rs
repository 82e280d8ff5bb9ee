impl serde::Serialize for GoogleMessage1 {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if !self.field1.is_empty() {
            len += 1;
        }
        if self.field2 != 0 {
            len += 1;
        }
        if self.field3 != 0 {
            len += 1;
        }
        if !self.field4.is_empty() {
            len += 1;
        }
        if !self.field5.is_empty() {
            len += 1;
        }
        if self.field6 != 0 {
            len += 1;
        }
        if !self.field7.is_empty() {
            len += 1;
        }
        if !self.field9.is_empty() {
            len += 1;
        }
        if self.field12 {
            len += 1;
        }
        if self.field13 {
            len += 1;
        }
        if self.field14 {
            len += 1;
        }
        if self.field15.is_some() {
            len += 1;
        }
        if self.field16 != 0 {
            len += 1;
        }
        if self.field17 {
            len += 1;
        }
        if !self.field18.is_empty() {
            len += 1;
        }
        if self.field22 != 0 {
            len += 1;
        }
        if self.field23 != 0 {
            len += 1;
        }
        if self.field24 {
            len += 1;
        }
        if self.field25 != 0 {
            len += 1;
        }
        if self.field29 != 0 {
            len += 1;
        }
        if self.field30 {
            len += 1;
        }
        if self.field59 {
            len += 1;
        }
        if self.field60 != 0 {
            len += 1;
        }
        if self.field67 != 0 {
            len += 1;
        }
        if self.field68 != 0 {
            len += 1;
        }
        if self.field78 {
            len += 1;
        }
        if self.field80 {
            len += 1;
        }
        if self.field81 {
            len += 1;
        }
        if self.field100 != 0 {
            len += 1;
        }
        if self.field101 != 0 {
            len += 1;
        }
        if !self.field102.is_empty() {
            len += 1;
        }
        if !self.field103.is_empty() {
            len += 1;
        }
        if self.field104 != 0 {
            len += 1;
        }
        if self.field128 != 0 {
            len += 1;
        }
        if !self.field129.is_empty() {
            len += 1;
        }
        if self.field130 != 0 {
            len += 1;
        }
        if self.field131 != 0 {
            len += 1;
        }
        if self.field150 != 0 {
            len += 1;
        }
        if self.field271 != 0 {
            len += 1;
        }
        if self.field272 != 0 {
            len += 1;
        }
        if self.field280 != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("bench.proto3.GoogleMessage1", len)?;
        if !self.field1.is_empty() {
            struct_ser.serialize_field("field1", &self.field1)?;
        }
        if self.field2 != 0 {
            struct_ser.serialize_field("field2", &self.field2)?;
        }
        if self.field3 != 0 {
            struct_ser.serialize_field("field3", &self.field3)?;
        }
        if !self.field4.is_empty() {
            struct_ser.serialize_field("field4", &self.field4)?;
        }
        if !self.field5.is_empty() {
            struct_ser.serialize_field("field5", &self.field5.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        }
        if self.field6 != 0 {
            struct_ser.serialize_field("field6", &self.field6)?;
        }
        if !self.field7.is_empty() {
            struct_ser.serialize_field("field7", &self.field7)?;
        }
        if !self.field9.is_empty() {
            struct_ser.serialize_field("field9", &self.field9)?;
        }
        if self.field12 {
            struct_ser.serialize_field("field12", &self.field12)?;
        }
        if self.field13 {
            struct_ser.serialize_field("field13", &self.field13)?;
        }
        if self.field14 {
            struct_ser.serialize_field("field14", &self.field14)?;
        }
        if let Some(v) = self.field15.as_ref() {
            struct_ser.serialize_field("field15", v)?;
        }
        if self.field16 != 0 {
            struct_ser.serialize_field("field16", &self.field16)?;
        }
        if self.field17 {
            struct_ser.serialize_field("field17", &self.field17)?;
        }
        if !self.field18.is_empty() {
            struct_ser.serialize_field("field18", &self.field18)?;
        }
        if self.field22 != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("field22", ToString::to_string(&self.field22).as_str())?;
        }
        if self.field23 != 0 {
            struct_ser.serialize_field("field23", &self.field23)?;
        }
        if self.field24 {
            struct_ser.serialize_field("field24", &self.field24)?;
        }
        if self.field25 != 0 {
            struct_ser.serialize_field("field25", &self.field25)?;
        }
        if self.field29 != 0 {
            struct_ser.serialize_field("field29", &self.field29)?;
        }
        if self.field30 {
            struct_ser.serialize_field("field30", &self.field30)?;
        }
        if self.field59 {
            struct_ser.serialize_field("field59", &self.field59)?;
        }
        if self.field60 != 0 {
            struct_ser.serialize_field("field60", &self.field60)?;
        }
        if self.field67 != 0 {
            struct_ser.serialize_field("field67", &self.field67)?;
        }
        if self.field68 != 0 {
            struct_ser.serialize_field("field68", &self.field68)?;
        }
        if self.field78 {
            struct_ser.serialize_field("field78", &self.field78)?;
        }
        if self.field80 {
            struct_ser.serialize_field("field80", &self.field80)?;
        }
        if self.field81 {
            struct_ser.serialize_field("field81", &self.field81)?;
        }
        if self.field100 != 0 {
            struct_ser.serialize_field("field100", &self.field100)?;
        }
        if self.field101 != 0 {
            struct_ser.serialize_field("field101", &self.field101)?;
        }
        if !self.field102.is_empty() {
            struct_ser.serialize_field("field102", &self.field102)?;
        }
        if !self.field103.is_empty() {
            struct_ser.serialize_field("field103", &self.field103)?;
        }
        if self.field104 != 0 {
            struct_ser.serialize_field("field104", &self.field104)?;
        }
        if self.field128 != 0 {
            struct_ser.serialize_field("field128", &self.field128)?;
        }
        if !self.field129.is_empty() {
            struct_ser.serialize_field("field129", &self.field129)?;
        }
        if self.field130 != 0 {
            struct_ser.serialize_field("field130", &self.field130)?;
        }
        if self.field131 != 0 {
            struct_ser.serialize_field("field131", &self.field131)?;
        }
        if self.field150 != 0 {
            struct_ser.serialize_field("field150", &self.field150)?;
        }
        if self.field271 != 0 {
            struct_ser.serialize_field("field271", &self.field271)?;
        }
        if self.field272 != 0 {
            struct_ser.serialize_field("field272", &self.field272)?;
        }
        if self.field280 != 0 {
            struct_ser.serialize_field("field280", &self.field280)?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for GoogleMessage1 {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "field1",
            "field2",
            "field3",
            "field4",
            "field5",
            "field6",
            "field7",
            "field9",
            "field12",
            "field13",
            "field14",
            "field15",
            "field16",
            "field17",
            "field18",
            "field22",
            "field23",
            "field24",
            "field25",
            "field29",
            "field30",
            "field59",
            "field60",
            "field67",
            "field68",
            "field78",
            "field80",
            "field81",
            "field100",
            "field101",
            "field102",
            "field103",
            "field104",
            "field128",
            "field129",
            "field130",
            "field131",
            "field150",
            "field271",
            "field272",
            "field280",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Field1,
            Field2,
            Field3,
            Field4,
            Field5,
            Field6,
            Field7,
            Field9,
            Field12,
            Field13,
            Field14,
            Field15,
            Field16,
            Field17,
            Field18,
            Field22,
            Field23,
            Field24,
            Field25,
            Field29,
            Field30,
            Field59,
            Field60,
            Field67,
            Field68,
            Field78,
            Field80,
            Field81,
            Field100,
            Field101,
            Field102,
            Field103,
            Field104,
            Field128,
            Field129,
            Field130,
            Field131,
            Field150,
            Field271,
            Field272,
            Field280,
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
                            "field1" => Ok(GeneratedField::Field1),
                            "field2" => Ok(GeneratedField::Field2),
                            "field3" => Ok(GeneratedField::Field3),
                            "field4" => Ok(GeneratedField::Field4),
                            "field5" => Ok(GeneratedField::Field5),
                            "field6" => Ok(GeneratedField::Field6),
                            "field7" => Ok(GeneratedField::Field7),
                            "field9" => Ok(GeneratedField::Field9),
                            "field12" => Ok(GeneratedField::Field12),
                            "field13" => Ok(GeneratedField::Field13),
                            "field14" => Ok(GeneratedField::Field14),
                            "field15" => Ok(GeneratedField::Field15),
                            "field16" => Ok(GeneratedField::Field16),
                            "field17" => Ok(GeneratedField::Field17),
                            "field18" => Ok(GeneratedField::Field18),
                            "field22" => Ok(GeneratedField::Field22),
                            "field23" => Ok(GeneratedField::Field23),
                            "field24" => Ok(GeneratedField::Field24),
                            "field25" => Ok(GeneratedField::Field25),
                            "field29" => Ok(GeneratedField::Field29),
                            "field30" => Ok(GeneratedField::Field30),
                            "field59" => Ok(GeneratedField::Field59),
                            "field60" => Ok(GeneratedField::Field60),
                            "field67" => Ok(GeneratedField::Field67),
                            "field68" => Ok(GeneratedField::Field68),
                            "field78" => Ok(GeneratedField::Field78),
                            "field80" => Ok(GeneratedField::Field80),
                            "field81" => Ok(GeneratedField::Field81),
                            "field100" => Ok(GeneratedField::Field100),
                            "field101" => Ok(GeneratedField::Field101),
                            "field102" => Ok(GeneratedField::Field102),
                            "field103" => Ok(GeneratedField::Field103),
                            "field104" => Ok(GeneratedField::Field104),
                            "field128" => Ok(GeneratedField::Field128),
                            "field129" => Ok(GeneratedField::Field129),
                            "field130" => Ok(GeneratedField::Field130),
                            "field131" => Ok(GeneratedField::Field131),
                            "field150" => Ok(GeneratedField::Field150),
                            "field271" => Ok(GeneratedField::Field271),
                            "field272" => Ok(GeneratedField::Field272),
                            "field280" => Ok(GeneratedField::Field280),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = GoogleMessage1;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct bench.proto3.GoogleMessage1")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<GoogleMessage1, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut field1__ = None;
                let mut field2__ = None;
                let mut field3__ = None;
                let mut field4__ = None;
                let mut field5__ = None;
                let mut field6__ = None;
                let mut field7__ = None;
                let mut field9__ = None;
                let mut field12__ = None;
                let mut field13__ = None;
                let mut field14__ = None;
                let mut field15__ = None;
                let mut field16__ = None;
                let mut field17__ = None;
                let mut field18__ = None;
                let mut field22__ = None;
                let mut field23__ = None;
                let mut field24__ = None;
                let mut field25__ = None;
                let mut field29__ = None;
                let mut field30__ = None;
                let mut field59__ = None;
                let mut field60__ = None;
                let mut field67__ = None;
                let mut field68__ = None;
                let mut field78__ = None;
                let mut field80__ = None;
                let mut field81__ = None;
                let mut field100__ = None;
                let mut field101__ = None;
                let mut field102__ = None;
                let mut field103__ = None;
                let mut field104__ = None;
                let mut field128__ = None;
                let mut field129__ = None;
                let mut field130__ = None;
                let mut field131__ = None;
                let mut field150__ = None;
                let mut field271__ = None;
                let mut field272__ = None;
                let mut field280__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Field1 => {
                            if field1__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field1"));
                            }
                            field1__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field2 => {
                            if field2__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field2"));
                            }
                            field2__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field3 => {
                            if field3__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field3"));
                            }
                            field3__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field4 => {
                            if field4__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field4"));
                            }
                            field4__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field5 => {
                            if field5__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field5"));
                            }
                            field5__ = 
                                Some(map_.next_value::<Vec<::pbjson::private::NumberDeserialize<_>>>()?
                                    .into_iter().map(|x| x.0).collect())
                            ;
                        }
                        GeneratedField::Field6 => {
                            if field6__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field6"));
                            }
                            field6__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field7 => {
                            if field7__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field7"));
                            }
                            field7__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field9 => {
                            if field9__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field9"));
                            }
                            field9__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field12 => {
                            if field12__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field12"));
                            }
                            field12__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field13 => {
                            if field13__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field13"));
                            }
                            field13__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field14 => {
                            if field14__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field14"));
                            }
                            field14__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field15 => {
                            if field15__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field15"));
                            }
                            field15__ = map_.next_value()?;
                        }
                        GeneratedField::Field16 => {
                            if field16__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field16"));
                            }
                            field16__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field17 => {
                            if field17__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field17"));
                            }
                            field17__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field18 => {
                            if field18__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field18"));
                            }
                            field18__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field22 => {
                            if field22__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field22"));
                            }
                            field22__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field23 => {
                            if field23__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field23"));
                            }
                            field23__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field24 => {
                            if field24__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field24"));
                            }
                            field24__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field25 => {
                            if field25__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field25"));
                            }
                            field25__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field29 => {
                            if field29__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field29"));
                            }
                            field29__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field30 => {
                            if field30__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field30"));
                            }
                            field30__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field59 => {
                            if field59__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field59"));
                            }
                            field59__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field60 => {
                            if field60__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field60"));
                            }
                            field60__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field67 => {
                            if field67__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field67"));
                            }
                            field67__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field68 => {
                            if field68__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field68"));
                            }
                            field68__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field78 => {
                            if field78__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field78"));
                            }
                            field78__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field80 => {
                            if field80__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field80"));
                            }
                            field80__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field81 => {
                            if field81__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field81"));
                            }
                            field81__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field100 => {
                            if field100__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field100"));
                            }
                            field100__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field101 => {
                            if field101__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field101"));
                            }
                            field101__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field102 => {
                            if field102__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field102"));
                            }
                            field102__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field103 => {
                            if field103__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field103"));
                            }
                            field103__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field104 => {
                            if field104__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field104"));
                            }
                            field104__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field128 => {
                            if field128__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field128"));
                            }
                            field128__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field129 => {
                            if field129__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field129"));
                            }
                            field129__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field130 => {
                            if field130__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field130"));
                            }
                            field130__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field131 => {
                            if field131__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field131"));
                            }
                            field131__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field150 => {
                            if field150__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field150"));
                            }
                            field150__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field271 => {
                            if field271__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field271"));
                            }
                            field271__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field272 => {
                            if field272__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field272"));
                            }
                            field272__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field280 => {
                            if field280__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field280"));
                            }
                            field280__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(GoogleMessage1 {
                    field1: field1__.unwrap_or_default(),
                    field2: field2__.unwrap_or_default(),
                    field3: field3__.unwrap_or_default(),
                    field4: field4__.unwrap_or_default(),
                    field5: field5__.unwrap_or_default(),
                    field6: field6__.unwrap_or_default(),
                    field7: field7__.unwrap_or_default(),
                    field9: field9__.unwrap_or_default(),
                    field12: field12__.unwrap_or_default(),
                    field13: field13__.unwrap_or_default(),
                    field14: field14__.unwrap_or_default(),
                    field15: field15__,
                    field16: field16__.unwrap_or_default(),
                    field17: field17__.unwrap_or_default(),
                    field18: field18__.unwrap_or_default(),
                    field22: field22__.unwrap_or_default(),
                    field23: field23__.unwrap_or_default(),
                    field24: field24__.unwrap_or_default(),
                    field25: field25__.unwrap_or_default(),
                    field29: field29__.unwrap_or_default(),
                    field30: field30__.unwrap_or_default(),
                    field59: field59__.unwrap_or_default(),
                    field60: field60__.unwrap_or_default(),
                    field67: field67__.unwrap_or_default(),
                    field68: field68__.unwrap_or_default(),
                    field78: field78__.unwrap_or_default(),
                    field80: field80__.unwrap_or_default(),
                    field81: field81__.unwrap_or_default(),
                    field100: field100__.unwrap_or_default(),
                    field101: field101__.unwrap_or_default(),
                    field102: field102__.unwrap_or_default(),
                    field103: field103__.unwrap_or_default(),
                    field104: field104__.unwrap_or_default(),
                    field128: field128__.unwrap_or_default(),
                    field129: field129__.unwrap_or_default(),
                    field130: field130__.unwrap_or_default(),
                    field131: field131__.unwrap_or_default(),
                    field150: field150__.unwrap_or_default(),
                    field271: field271__.unwrap_or_default(),
                    field272: field272__.unwrap_or_default(),
                    field280: field280__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("bench.proto3.GoogleMessage1", FIELDS, GeneratedVisitor)
    }
}
impl serde::Serialize for GoogleMessage1SubMessage {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.field1 != 0 {
            len += 1;
        }
        if self.field2 != 0 {
            len += 1;
        }
        if self.field3 != 0 {
            len += 1;
        }
        if self.field12 {
            len += 1;
        }
        if self.field13 != 0 {
            len += 1;
        }
        if self.field14 != 0 {
            len += 1;
        }
        if !self.field15.is_empty() {
            len += 1;
        }
        if self.field16 != 0 {
            len += 1;
        }
        if self.field19 != 0 {
            len += 1;
        }
        if self.field20 {
            len += 1;
        }
        if self.field21 != 0 {
            len += 1;
        }
        if self.field22 != 0 {
            len += 1;
        }
        if self.field23 {
            len += 1;
        }
        if self.field28 {
            len += 1;
        }
        if self.field203 != 0 {
            len += 1;
        }
        if self.field204 != 0 {
            len += 1;
        }
        if !self.field205.is_empty() {
            len += 1;
        }
        if self.field206 {
            len += 1;
        }
        if self.field207 != 0 {
            len += 1;
        }
        if self.field300 != 0 {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("bench.proto3.GoogleMessage1SubMessage", len)?;
        if self.field1 != 0 {
            struct_ser.serialize_field("field1", &self.field1)?;
        }
        if self.field2 != 0 {
            struct_ser.serialize_field("field2", &self.field2)?;
        }
        if self.field3 != 0 {
            struct_ser.serialize_field("field3", &self.field3)?;
        }
        if self.field12 {
            struct_ser.serialize_field("field12", &self.field12)?;
        }
        if self.field13 != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("field13", ToString::to_string(&self.field13).as_str())?;
        }
        if self.field14 != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("field14", ToString::to_string(&self.field14).as_str())?;
        }
        if !self.field15.is_empty() {
            struct_ser.serialize_field("field15", &self.field15)?;
        }
        if self.field16 != 0 {
            struct_ser.serialize_field("field16", &self.field16)?;
        }
        if self.field19 != 0 {
            struct_ser.serialize_field("field19", &self.field19)?;
        }
        if self.field20 {
            struct_ser.serialize_field("field20", &self.field20)?;
        }
        if self.field21 != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("field21", ToString::to_string(&self.field21).as_str())?;
        }
        if self.field22 != 0 {
            struct_ser.serialize_field("field22", &self.field22)?;
        }
        if self.field23 {
            struct_ser.serialize_field("field23", &self.field23)?;
        }
        if self.field28 {
            struct_ser.serialize_field("field28", &self.field28)?;
        }
        if self.field203 != 0 {
            struct_ser.serialize_field("field203", &self.field203)?;
        }
        if self.field204 != 0 {
            struct_ser.serialize_field("field204", &self.field204)?;
        }
        if !self.field205.is_empty() {
            struct_ser.serialize_field("field205", &self.field205)?;
        }
        if self.field206 {
            struct_ser.serialize_field("field206", &self.field206)?;
        }
        if self.field207 != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("field207", ToString::to_string(&self.field207).as_str())?;
        }
        if self.field300 != 0 {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("field300", ToString::to_string(&self.field300).as_str())?;
        }
        struct_ser.end()
    }
}
impl<'de> serde::Deserialize<'de> for GoogleMessage1SubMessage {
    #[allow(deprecated)]
    fn deserialize<D>(deserializer: D) -> std::result::Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        const FIELDS: &[&str] = &[
            "field1",
            "field2",
            "field3",
            "field12",
            "field13",
            "field14",
            "field15",
            "field16",
            "field19",
            "field20",
            "field21",
            "field22",
            "field23",
            "field28",
            "field203",
            "field204",
            "field205",
            "field206",
            "field207",
            "field300",
        ];

        #[allow(clippy::enum_variant_names)]
        enum GeneratedField {
            Field1,
            Field2,
            Field3,
            Field12,
            Field13,
            Field14,
            Field15,
            Field16,
            Field19,
            Field20,
            Field21,
            Field22,
            Field23,
            Field28,
            Field203,
            Field204,
            Field205,
            Field206,
            Field207,
            Field300,
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
                            "field1" => Ok(GeneratedField::Field1),
                            "field2" => Ok(GeneratedField::Field2),
                            "field3" => Ok(GeneratedField::Field3),
                            "field12" => Ok(GeneratedField::Field12),
                            "field13" => Ok(GeneratedField::Field13),
                            "field14" => Ok(GeneratedField::Field14),
                            "field15" => Ok(GeneratedField::Field15),
                            "field16" => Ok(GeneratedField::Field16),
                            "field19" => Ok(GeneratedField::Field19),
                            "field20" => Ok(GeneratedField::Field20),
                            "field21" => Ok(GeneratedField::Field21),
                            "field22" => Ok(GeneratedField::Field22),
                            "field23" => Ok(GeneratedField::Field23),
                            "field28" => Ok(GeneratedField::Field28),
                            "field203" => Ok(GeneratedField::Field203),
                            "field204" => Ok(GeneratedField::Field204),
                            "field205" => Ok(GeneratedField::Field205),
                            "field206" => Ok(GeneratedField::Field206),
                            "field207" => Ok(GeneratedField::Field207),
                            "field300" => Ok(GeneratedField::Field300),
                            _ => Err(serde::de::Error::unknown_field(value, FIELDS)),
                        }
                    }
                }
                deserializer.deserialize_identifier(GeneratedVisitor)
            }
        }
        struct GeneratedVisitor;
        impl<'de> serde::de::Visitor<'de> for GeneratedVisitor {
            type Value = GoogleMessage1SubMessage;

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("struct bench.proto3.GoogleMessage1SubMessage")
            }

            fn visit_map<V>(self, mut map_: V) -> std::result::Result<GoogleMessage1SubMessage, V::Error>
                where
                    V: serde::de::MapAccess<'de>,
            {
                let mut field1__ = None;
                let mut field2__ = None;
                let mut field3__ = None;
                let mut field12__ = None;
                let mut field13__ = None;
                let mut field14__ = None;
                let mut field15__ = None;
                let mut field16__ = None;
                let mut field19__ = None;
                let mut field20__ = None;
                let mut field21__ = None;
                let mut field22__ = None;
                let mut field23__ = None;
                let mut field28__ = None;
                let mut field203__ = None;
                let mut field204__ = None;
                let mut field205__ = None;
                let mut field206__ = None;
                let mut field207__ = None;
                let mut field300__ = None;
                while let Some(k) = map_.next_key()? {
                    match k {
                        GeneratedField::Field1 => {
                            if field1__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field1"));
                            }
                            field1__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field2 => {
                            if field2__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field2"));
                            }
                            field2__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field3 => {
                            if field3__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field3"));
                            }
                            field3__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field12 => {
                            if field12__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field12"));
                            }
                            field12__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field13 => {
                            if field13__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field13"));
                            }
                            field13__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field14 => {
                            if field14__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field14"));
                            }
                            field14__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field15 => {
                            if field15__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field15"));
                            }
                            field15__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field16 => {
                            if field16__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field16"));
                            }
                            field16__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field19 => {
                            if field19__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field19"));
                            }
                            field19__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field20 => {
                            if field20__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field20"));
                            }
                            field20__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field21 => {
                            if field21__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field21"));
                            }
                            field21__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field22 => {
                            if field22__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field22"));
                            }
                            field22__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field23 => {
                            if field23__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field23"));
                            }
                            field23__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field28 => {
                            if field28__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field28"));
                            }
                            field28__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field203 => {
                            if field203__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field203"));
                            }
                            field203__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field204 => {
                            if field204__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field204"));
                            }
                            field204__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field205 => {
                            if field205__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field205"));
                            }
                            field205__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field206 => {
                            if field206__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field206"));
                            }
                            field206__ = Some(map_.next_value()?);
                        }
                        GeneratedField::Field207 => {
                            if field207__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field207"));
                            }
                            field207__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                        GeneratedField::Field300 => {
                            if field300__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field300"));
                            }
                            field300__ = 
                                Some(map_.next_value::<::pbjson::private::NumberDeserialize<_>>()?.0)
                            ;
                        }
                    }
                }
                Ok(GoogleMessage1SubMessage {
                    field1: field1__.unwrap_or_default(),
                    field2: field2__.unwrap_or_default(),
                    field3: field3__.unwrap_or_default(),
                    field12: field12__.unwrap_or_default(),
                    field13: field13__.unwrap_or_default(),
                    field14: field14__.unwrap_or_default(),
                    field15: field15__.unwrap_or_default(),
                    field16: field16__.unwrap_or_default(),
                    field19: field19__.unwrap_or_default(),
                    field20: field20__.unwrap_or_default(),
                    field21: field21__.unwrap_or_default(),
                    field22: field22__.unwrap_or_default(),
                    field23: field23__.unwrap_or_default(),
                    field28: field28__.unwrap_or_default(),
                    field203: field203__.unwrap_or_default(),
                    field204: field204__.unwrap_or_default(),
                    field205: field205__.unwrap_or_default(),
                    field206: field206__.unwrap_or_default(),
                    field207: field207__.unwrap_or_default(),
                    field300: field300__.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_struct("bench.proto3.GoogleMessage1SubMessage", FIELDS, GeneratedVisitor)
    }
}
