impl serde::Serialize for GoogleMessage1 {
    #[allow(deprecated)]
    fn serialize<S>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut len = 0;
        if self.field1.is_some() {
            len += 1;
        }
        if self.field2.is_some() {
            len += 1;
        }
        if self.field3.is_some() {
            len += 1;
        }
        if self.field4.is_some() {
            len += 1;
        }
        if !self.field5.is_empty() {
            len += 1;
        }
        if self.field6.is_some() {
            len += 1;
        }
        if self.field7.is_some() {
            len += 1;
        }
        if self.field9.is_some() {
            len += 1;
        }
        if self.field12.is_some() {
            len += 1;
        }
        if self.field13.is_some() {
            len += 1;
        }
        if self.field14.is_some() {
            len += 1;
        }
        if self.field15.is_some() {
            len += 1;
        }
        if self.field16.is_some() {
            len += 1;
        }
        if self.field17.is_some() {
            len += 1;
        }
        if self.field18.is_some() {
            len += 1;
        }
        if self.field22.is_some() {
            len += 1;
        }
        if self.field23.is_some() {
            len += 1;
        }
        if self.field24.is_some() {
            len += 1;
        }
        if self.field25.is_some() {
            len += 1;
        }
        if self.field29.is_some() {
            len += 1;
        }
        if self.field30.is_some() {
            len += 1;
        }
        if self.field59.is_some() {
            len += 1;
        }
        if self.field60.is_some() {
            len += 1;
        }
        if self.field67.is_some() {
            len += 1;
        }
        if self.field68.is_some() {
            len += 1;
        }
        if self.field78.is_some() {
            len += 1;
        }
        if self.field80.is_some() {
            len += 1;
        }
        if self.field81.is_some() {
            len += 1;
        }
        if self.field100.is_some() {
            len += 1;
        }
        if self.field101.is_some() {
            len += 1;
        }
        if self.field102.is_some() {
            len += 1;
        }
        if self.field103.is_some() {
            len += 1;
        }
        if self.field104.is_some() {
            len += 1;
        }
        if self.field128.is_some() {
            len += 1;
        }
        if self.field129.is_some() {
            len += 1;
        }
        if self.field130.is_some() {
            len += 1;
        }
        if self.field131.is_some() {
            len += 1;
        }
        if self.field150.is_some() {
            len += 1;
        }
        if self.field271.is_some() {
            len += 1;
        }
        if self.field272.is_some() {
            len += 1;
        }
        if self.field280.is_some() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("bench.proto2.GoogleMessage1", len)?;
        if let Some(v) = self.field1.as_ref() {
            struct_ser.serialize_field("field1", v)?;
        }
        if let Some(v) = self.field2.as_ref() {
            struct_ser.serialize_field("field2", v)?;
        }
        if let Some(v) = self.field3.as_ref() {
            struct_ser.serialize_field("field3", v)?;
        }
        if let Some(v) = self.field4.as_ref() {
            struct_ser.serialize_field("field4", v)?;
        }
        if !self.field5.is_empty() {
            struct_ser.serialize_field("field5", &self.field5.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        }
        if let Some(v) = self.field6.as_ref() {
            struct_ser.serialize_field("field6", v)?;
        }
        if let Some(v) = self.field7.as_ref() {
            struct_ser.serialize_field("field7", v)?;
        }
        if let Some(v) = self.field9.as_ref() {
            struct_ser.serialize_field("field9", v)?;
        }
        if let Some(v) = self.field12.as_ref() {
            struct_ser.serialize_field("field12", v)?;
        }
        if let Some(v) = self.field13.as_ref() {
            struct_ser.serialize_field("field13", v)?;
        }
        if let Some(v) = self.field14.as_ref() {
            struct_ser.serialize_field("field14", v)?;
        }
        if let Some(v) = self.field15.as_ref() {
            struct_ser.serialize_field("field15", v)?;
        }
        if let Some(v) = self.field16.as_ref() {
            struct_ser.serialize_field("field16", v)?;
        }
        if let Some(v) = self.field17.as_ref() {
            struct_ser.serialize_field("field17", v)?;
        }
        if let Some(v) = self.field18.as_ref() {
            struct_ser.serialize_field("field18", v)?;
        }
        if let Some(v) = self.field22.as_ref() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("field22", ToString::to_string(&v).as_str())?;
        }
        if let Some(v) = self.field23.as_ref() {
            struct_ser.serialize_field("field23", v)?;
        }
        if let Some(v) = self.field24.as_ref() {
            struct_ser.serialize_field("field24", v)?;
        }
        if let Some(v) = self.field25.as_ref() {
            struct_ser.serialize_field("field25", v)?;
        }
        if let Some(v) = self.field29.as_ref() {
            struct_ser.serialize_field("field29", v)?;
        }
        if let Some(v) = self.field30.as_ref() {
            struct_ser.serialize_field("field30", v)?;
        }
        if let Some(v) = self.field59.as_ref() {
            struct_ser.serialize_field("field59", v)?;
        }
        if let Some(v) = self.field60.as_ref() {
            struct_ser.serialize_field("field60", v)?;
        }
        if let Some(v) = self.field67.as_ref() {
            struct_ser.serialize_field("field67", v)?;
        }
        if let Some(v) = self.field68.as_ref() {
            struct_ser.serialize_field("field68", v)?;
        }
        if let Some(v) = self.field78.as_ref() {
            struct_ser.serialize_field("field78", v)?;
        }
        if let Some(v) = self.field80.as_ref() {
            struct_ser.serialize_field("field80", v)?;
        }
        if let Some(v) = self.field81.as_ref() {
            struct_ser.serialize_field("field81", v)?;
        }
        if let Some(v) = self.field100.as_ref() {
            struct_ser.serialize_field("field100", v)?;
        }
        if let Some(v) = self.field101.as_ref() {
            struct_ser.serialize_field("field101", v)?;
        }
        if let Some(v) = self.field102.as_ref() {
            struct_ser.serialize_field("field102", v)?;
        }
        if let Some(v) = self.field103.as_ref() {
            struct_ser.serialize_field("field103", v)?;
        }
        if let Some(v) = self.field104.as_ref() {
            struct_ser.serialize_field("field104", v)?;
        }
        if let Some(v) = self.field128.as_ref() {
            struct_ser.serialize_field("field128", v)?;
        }
        if let Some(v) = self.field129.as_ref() {
            struct_ser.serialize_field("field129", v)?;
        }
        if let Some(v) = self.field130.as_ref() {
            struct_ser.serialize_field("field130", v)?;
        }
        if let Some(v) = self.field131.as_ref() {
            struct_ser.serialize_field("field131", v)?;
        }
        if let Some(v) = self.field150.as_ref() {
            struct_ser.serialize_field("field150", v)?;
        }
        if let Some(v) = self.field271.as_ref() {
            struct_ser.serialize_field("field271", v)?;
        }
        if let Some(v) = self.field272.as_ref() {
            struct_ser.serialize_field("field272", v)?;
        }
        if let Some(v) = self.field280.as_ref() {
            struct_ser.serialize_field("field280", v)?;
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
                formatter.write_str("struct bench.proto2.GoogleMessage1")
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
                            field1__ = map_.next_value()?;
                        }
                        GeneratedField::Field2 => {
                            if field2__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field2"));
                            }
                            field2__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field3 => {
                            if field3__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field3"));
                            }
                            field3__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field4 => {
                            if field4__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field4"));
                            }
                            field4__ = map_.next_value()?;
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
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field7 => {
                            if field7__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field7"));
                            }
                            field7__ = map_.next_value()?;
                        }
                        GeneratedField::Field9 => {
                            if field9__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field9"));
                            }
                            field9__ = map_.next_value()?;
                        }
                        GeneratedField::Field12 => {
                            if field12__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field12"));
                            }
                            field12__ = map_.next_value()?;
                        }
                        GeneratedField::Field13 => {
                            if field13__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field13"));
                            }
                            field13__ = map_.next_value()?;
                        }
                        GeneratedField::Field14 => {
                            if field14__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field14"));
                            }
                            field14__ = map_.next_value()?;
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
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field17 => {
                            if field17__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field17"));
                            }
                            field17__ = map_.next_value()?;
                        }
                        GeneratedField::Field18 => {
                            if field18__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field18"));
                            }
                            field18__ = map_.next_value()?;
                        }
                        GeneratedField::Field22 => {
                            if field22__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field22"));
                            }
                            field22__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field23 => {
                            if field23__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field23"));
                            }
                            field23__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field24 => {
                            if field24__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field24"));
                            }
                            field24__ = map_.next_value()?;
                        }
                        GeneratedField::Field25 => {
                            if field25__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field25"));
                            }
                            field25__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field29 => {
                            if field29__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field29"));
                            }
                            field29__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field30 => {
                            if field30__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field30"));
                            }
                            field30__ = map_.next_value()?;
                        }
                        GeneratedField::Field59 => {
                            if field59__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field59"));
                            }
                            field59__ = map_.next_value()?;
                        }
                        GeneratedField::Field60 => {
                            if field60__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field60"));
                            }
                            field60__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field67 => {
                            if field67__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field67"));
                            }
                            field67__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field68 => {
                            if field68__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field68"));
                            }
                            field68__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field78 => {
                            if field78__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field78"));
                            }
                            field78__ = map_.next_value()?;
                        }
                        GeneratedField::Field80 => {
                            if field80__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field80"));
                            }
                            field80__ = map_.next_value()?;
                        }
                        GeneratedField::Field81 => {
                            if field81__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field81"));
                            }
                            field81__ = map_.next_value()?;
                        }
                        GeneratedField::Field100 => {
                            if field100__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field100"));
                            }
                            field100__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field101 => {
                            if field101__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field101"));
                            }
                            field101__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field102 => {
                            if field102__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field102"));
                            }
                            field102__ = map_.next_value()?;
                        }
                        GeneratedField::Field103 => {
                            if field103__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field103"));
                            }
                            field103__ = map_.next_value()?;
                        }
                        GeneratedField::Field104 => {
                            if field104__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field104"));
                            }
                            field104__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field128 => {
                            if field128__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field128"));
                            }
                            field128__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field129 => {
                            if field129__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field129"));
                            }
                            field129__ = map_.next_value()?;
                        }
                        GeneratedField::Field130 => {
                            if field130__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field130"));
                            }
                            field130__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field131 => {
                            if field131__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field131"));
                            }
                            field131__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field150 => {
                            if field150__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field150"));
                            }
                            field150__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field271 => {
                            if field271__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field271"));
                            }
                            field271__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field272 => {
                            if field272__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field272"));
                            }
                            field272__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field280 => {
                            if field280__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field280"));
                            }
                            field280__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                    }
                }
                Ok(GoogleMessage1 {
                    field1: field1__,
                    field2: field2__,
                    field3: field3__,
                    field4: field4__,
                    field5: field5__.unwrap_or_default(),
                    field6: field6__,
                    field7: field7__,
                    field9: field9__,
                    field12: field12__,
                    field13: field13__,
                    field14: field14__,
                    field15: field15__,
                    field16: field16__,
                    field17: field17__,
                    field18: field18__,
                    field22: field22__,
                    field23: field23__,
                    field24: field24__,
                    field25: field25__,
                    field29: field29__,
                    field30: field30__,
                    field59: field59__,
                    field60: field60__,
                    field67: field67__,
                    field68: field68__,
                    field78: field78__,
                    field80: field80__,
                    field81: field81__,
                    field100: field100__,
                    field101: field101__,
                    field102: field102__,
                    field103: field103__,
                    field104: field104__,
                    field128: field128__,
                    field129: field129__,
                    field130: field130__,
                    field131: field131__,
                    field150: field150__,
                    field271: field271__,
                    field272: field272__,
                    field280: field280__,
                })
            }
        }
        deserializer.deserialize_struct("bench.proto2.GoogleMessage1", FIELDS, GeneratedVisitor)
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
        if self.field1.is_some() {
            len += 1;
        }
        if self.field2.is_some() {
            len += 1;
        }
        if self.field3.is_some() {
            len += 1;
        }
        if self.field12.is_some() {
            len += 1;
        }
        if self.field13.is_some() {
            len += 1;
        }
        if self.field14.is_some() {
            len += 1;
        }
        if self.field15.is_some() {
            len += 1;
        }
        if self.field16.is_some() {
            len += 1;
        }
        if self.field19.is_some() {
            len += 1;
        }
        if self.field20.is_some() {
            len += 1;
        }
        if self.field21.is_some() {
            len += 1;
        }
        if self.field22.is_some() {
            len += 1;
        }
        if self.field23.is_some() {
            len += 1;
        }
        if self.field28.is_some() {
            len += 1;
        }
        if self.field203.is_some() {
            len += 1;
        }
        if self.field204.is_some() {
            len += 1;
        }
        if self.field205.is_some() {
            len += 1;
        }
        if self.field206.is_some() {
            len += 1;
        }
        if self.field207.is_some() {
            len += 1;
        }
        if self.field300.is_some() {
            len += 1;
        }
        let mut struct_ser = serializer.serialize_struct("bench.proto2.GoogleMessage1SubMessage", len)?;
        if let Some(v) = self.field1.as_ref() {
            struct_ser.serialize_field("field1", v)?;
        }
        if let Some(v) = self.field2.as_ref() {
            struct_ser.serialize_field("field2", v)?;
        }
        if let Some(v) = self.field3.as_ref() {
            struct_ser.serialize_field("field3", v)?;
        }
        if let Some(v) = self.field12.as_ref() {
            struct_ser.serialize_field("field12", v)?;
        }
        if let Some(v) = self.field13.as_ref() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("field13", ToString::to_string(&v).as_str())?;
        }
        if let Some(v) = self.field14.as_ref() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("field14", ToString::to_string(&v).as_str())?;
        }
        if let Some(v) = self.field15.as_ref() {
            struct_ser.serialize_field("field15", v)?;
        }
        if let Some(v) = self.field16.as_ref() {
            struct_ser.serialize_field("field16", v)?;
        }
        if let Some(v) = self.field19.as_ref() {
            struct_ser.serialize_field("field19", v)?;
        }
        if let Some(v) = self.field20.as_ref() {
            struct_ser.serialize_field("field20", v)?;
        }
        if let Some(v) = self.field21.as_ref() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("field21", ToString::to_string(&v).as_str())?;
        }
        if let Some(v) = self.field22.as_ref() {
            struct_ser.serialize_field("field22", v)?;
        }
        if let Some(v) = self.field23.as_ref() {
            struct_ser.serialize_field("field23", v)?;
        }
        if let Some(v) = self.field28.as_ref() {
            struct_ser.serialize_field("field28", v)?;
        }
        if let Some(v) = self.field203.as_ref() {
            struct_ser.serialize_field("field203", v)?;
        }
        if let Some(v) = self.field204.as_ref() {
            struct_ser.serialize_field("field204", v)?;
        }
        if let Some(v) = self.field205.as_ref() {
            struct_ser.serialize_field("field205", v)?;
        }
        if let Some(v) = self.field206.as_ref() {
            struct_ser.serialize_field("field206", v)?;
        }
        if let Some(v) = self.field207.as_ref() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("field207", ToString::to_string(&v).as_str())?;
        }
        if let Some(v) = self.field300.as_ref() {
            #[allow(clippy::needless_borrow)]
            #[allow(clippy::needless_borrows_for_generic_args)]
            struct_ser.serialize_field("field300", ToString::to_string(&v).as_str())?;
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
                formatter.write_str("struct bench.proto2.GoogleMessage1SubMessage")
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
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field2 => {
                            if field2__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field2"));
                            }
                            field2__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field3 => {
                            if field3__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field3"));
                            }
                            field3__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field12 => {
                            if field12__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field12"));
                            }
                            field12__ = map_.next_value()?;
                        }
                        GeneratedField::Field13 => {
                            if field13__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field13"));
                            }
                            field13__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field14 => {
                            if field14__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field14"));
                            }
                            field14__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
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
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field19 => {
                            if field19__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field19"));
                            }
                            field19__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field20 => {
                            if field20__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field20"));
                            }
                            field20__ = map_.next_value()?;
                        }
                        GeneratedField::Field21 => {
                            if field21__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field21"));
                            }
                            field21__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field22 => {
                            if field22__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field22"));
                            }
                            field22__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field23 => {
                            if field23__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field23"));
                            }
                            field23__ = map_.next_value()?;
                        }
                        GeneratedField::Field28 => {
                            if field28__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field28"));
                            }
                            field28__ = map_.next_value()?;
                        }
                        GeneratedField::Field203 => {
                            if field203__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field203"));
                            }
                            field203__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field204 => {
                            if field204__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field204"));
                            }
                            field204__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field205 => {
                            if field205__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field205"));
                            }
                            field205__ = map_.next_value()?;
                        }
                        GeneratedField::Field206 => {
                            if field206__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field206"));
                            }
                            field206__ = map_.next_value()?;
                        }
                        GeneratedField::Field207 => {
                            if field207__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field207"));
                            }
                            field207__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                        GeneratedField::Field300 => {
                            if field300__.is_some() {
                                return Err(serde::de::Error::duplicate_field("field300"));
                            }
                            field300__ = 
                                map_.next_value::<::std::option::Option<::pbjson::private::NumberDeserialize<_>>>()?.map(|x| x.0)
                            ;
                        }
                    }
                }
                Ok(GoogleMessage1SubMessage {
                    field1: field1__,
                    field2: field2__,
                    field3: field3__,
                    field12: field12__,
                    field13: field13__,
                    field14: field14__,
                    field15: field15__,
                    field16: field16__,
                    field19: field19__,
                    field20: field20__,
                    field21: field21__,
                    field22: field22__,
                    field23: field23__,
                    field28: field28__,
                    field203: field203__,
                    field204: field204__,
                    field205: field205__,
                    field206: field206__,
                    field207: field207__,
                    field300: field300__,
                })
            }
        }
        deserializer.deserialize_struct("bench.proto2.GoogleMessage1SubMessage", FIELDS, GeneratedVisitor)
    }
}
